"""What one gateway process holds open: Redis clients, the outcome reader, the store, the metrics."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis

from services.gateway import positions
from services.gateway.config import GatewayConfig
from services.gateway.metrics import Metrics
from services.gateway.rate_limit import RateLimit
from shared.outcomes.waiter import OutcomeWaiter
from shared.redis_client import client_of, node_url
from shared.store import EventStore

CONNECT_TIMEOUT_S = 2.0
"""A Redis that does not accept a connection this fast counts as down (``/health`` must answer quickly)."""
POOL_WAIT_S = 5.0
"""How long a request waits for a free Redis connection before it fails."""


class Gateway:
    """The resources of one gateway application, opened at start-up and closed at clean-up."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self.rate_limit = RateLimit(config.rate_per_s, config.rate_burst)
        self.stopping = asyncio.Event()
        """Set when the server shuts down: open case-update streams end after their current read."""
        self._redis: Redis | None = None
        self._stream_redis: Redis | None = None
        self._waiter: OutcomeWaiter | None = None
        self._store: EventStore | None = None
        self.subscribers = 0
        self.disclosed: OrderedDict[tuple[str, str, str, str], None] = OrderedDict()
        """(token, case, what, content digest) this process recorded as disclosed (services/gateway/disclosures.py)."""
        self.sealer = positions.Sealer(positions.secret_of(config.signing_key))
        """Seals the update positions readers who are not auditors get (positions.py)."""
        self.streams_of: dict[str, int] = {}
        """Token id -> update streams it holds open in this process (STREAMS_PER_TOKEN at most)."""

    @property
    def redis(self) -> Redis:
        """The client for short commands (a blocking pool: a burst waits for a connection instead of failing)."""
        assert self._redis is not None, "the gateway is not started"
        return self._redis

    @property
    def stream_redis(self) -> Redis:
        """The client for blocking reads of the case-update streams: one connection per open stream."""
        assert self._stream_redis is not None, "the gateway is not started"
        return self._stream_redis

    @property
    def waiter(self) -> OutcomeWaiter:
        """The reader of the outcomes stream."""
        assert self._waiter is not None, "the gateway is not started"
        return self._waiter

    async def store(self) -> EventStore:
        """The event store; opened on first use, since the gateway may start before any service created it.

        Raises StoreNotInitialised while there is none.
        """
        if self._store is None:
            self._store = await EventStore.open(self.redis)
        return self._store

    def _client(self, connections: int) -> Redis:
        if node_url(self.config.redis_url) is not None:  # a Redis Cluster: a pool of its own per node
            # No blocking pool there (past the limit it raises): room for every stream and a burst of requests.
            return client_of(self.config.redis_url, max_connections=connections * 4,
                             socket_connect_timeout=CONNECT_TIMEOUT_S)
        pool = BlockingConnectionPool.from_url(
            self.config.redis_url,
            max_connections=connections,
            timeout=POOL_WAIT_S,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
        )
        return Redis(connection_pool=pool)

    async def start(self, _app: web.Application) -> None:
        """Open the clients and start reading outcomes (no Redis call here: the gateway starts without Redis)."""
        self._redis = self._client(64)
        # Every open stream holds a connection; the outcome reader holds one more.
        self._stream_redis = self._client(self.config.max_subscribers + 1)
        self._waiter = OutcomeWaiter(self._stream_redis, block_ms=self.config.read_block_ms)
        self._waiter.start()

    async def shutdown(self, _app: web.Application) -> None:
        """Before connections close: tell open case-update streams to end."""
        self.stopping.set()

    async def close(self, _app: web.Application) -> None:
        """After the last request: stop the outcome reader and close the clients."""
        if self._waiter is not None:
            await self._waiter.stop()
        for client in (self._redis, self._stream_redis):
            if isinstance(client, Redis):
                await client.aclose(close_connection_pool=True)
            elif client is not None:  # a cluster client (ADR 0021): its nodes' connections close with it
                await client.aclose()

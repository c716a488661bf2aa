"""The store contract on Redis: one redis-server, and a 3-master Redis Cluster, with the same tests as in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.events import AnyEvent
from shared.redis_server import RedisServer
from shared.store import AppendRequest, AppendResult, EventStore
from shared.store.audit import AuditReport, verify
from tests.contract.conftest import PARTITIONS
from tests.contract.factory import calls, partition_state
from tests.contract.store_contract import StoreContract


class RedisContract(StoreContract):
    """The hooks on Redis (raw reads of what the script writes; the auditor's own ``verify``) and Redis-only tests."""

    async def partition_state(self, store: Any, case_id: str) -> Any:
        return await partition_state(store, case_id)

    async def case_state(self, store: Any, case_id: str, events: list[AnyEvent], command_id: str = "") -> Any:
        k = store.keys(store.partition_of(case_id))
        r = store.redis
        return (
            await r.hget(k.heads, case_id),
            await r.lrange(k.case(case_id), 0, -1),
            [await r.hget(k.eids, e.event_id) for e in events],
            await r.hget(k.cmds, command_id) if command_id else None,
        )

    async def log_length(self, store: Any, partition: int) -> int:
        return int(await store.redis.xlen(store.keys(partition).log))

    async def audit(self, store: Any) -> AuditReport:
        return await verify(store)

    async def test_after_script_flush_appends_still_apply_once(self, store: Any) -> None:
        """With the script cache emptied (a Redis restart), the batch loads the script and applies each append once."""
        await store.append_many([AppendRequest("flush-0", calls("flush-0", 1, 1), 0)])
        await store.redis.script_flush()
        results = await store.append_many([
            AppendRequest(f"flush-{i}", calls(f"flush-{i}", 1 + (i == 0), 1), int(i == 0)) for i in range(5)
        ])
        assert all(isinstance(r, AppendResult) and not r.duplicate for r in results)
        assert [len(await store.read_case(f"flush-{i}")) for i in range(5)] == [2, 1, 1, 1, 1]


class TestOneRedis(RedisContract):
    """Every contract test, on the session's redis-server."""

    @pytest.fixture
    async def store(self, redis: Redis) -> EventStore:
        """A fresh store on the emptied session server."""
        return await EventStore.create(redis, PARTITIONS)


class TestRedisCluster(RedisContract):
    """Every contract test, on the session's 3-master Redis Cluster."""

    @pytest.fixture
    async def store(self, redis_cluster: list[RedisServer]) -> AsyncIterator[EventStore]:
        """A fresh store on the emptied cluster."""
        client: Any = RedisCluster(host="127.0.0.1", port=redis_cluster[0].port)
        await client.flushall()
        yield await EventStore.create(client, PARTITIONS)
        await client.aclose()

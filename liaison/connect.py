"""Find the Redis a command should talk to and open the event store on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from liaison.exits import USAGE, CliError
from shared import settings as settings_module
from shared.redis_client import client_of, node_url, redacted
from shared.store import EventStore, StoreNotInitialised
from shared.vault.store import Vault, VaultError, check_subject_id


def redis_url() -> str:
    """LIAISON_REDIS_URL, or the embedded Redis that ``liaison up`` started under ./var."""
    try:
        settings = settings_module.load()
    except settings_module.SettingsError as err:
        raise CliError(str(err)) from err
    url = settings.resolved_redis_url()
    if url is None:
        raise CliError(
            f"no Redis to talk to: start one with `liaison up` (it puts its socket at {settings.embedded_socket}) "
            "or set LIAISON_REDIS_URL"
        )
    return url


CLUSTER_CONNECTIONS = 1024
"""Per node, on a Redis Cluster: its client has no blocking pool (past the limit it raises), and a
`liaison send` or `simulate` keeps up to a thousand reports in flight."""


async def open_redis() -> Redis:
    """A connected client; a clear error if nothing answers."""
    url = redis_url()
    # A blocking pool: many concurrent sends wait for a connection instead of failing
    # (redis-py's default pool raises once 100 connections are in use).
    if node_url(url) is not None:  # a Redis Cluster: the client keeps a pool per node
        client = client_of(url, max_connections=CLUSTER_CONNECTIONS, socket_connect_timeout=5)
    else:
        pool = BlockingConnectionPool.from_url(url, max_connections=64, timeout=30, socket_connect_timeout=5)
        client = Redis.from_pool(pool)  # the client owns the pool: aclose() closes it too
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as err:
        await client.aclose()
        raise CliError(f"cannot reach Redis at {redacted(url)}: {err}") from err
    return client


async def open_store(client: Redis, *, create: bool = False) -> EventStore:
    """The event store in this Redis; created with LIAISON_PARTITIONS partitions when ``create``."""
    if create:
        return await EventStore.create(client, settings_module.load().partitions)
    try:
        return await EventStore.open(client)
    except StoreNotInitialised as err:
        raise CliError("this Redis holds no Liaison store yet: start the services (`liaison up`) first", USAGE) from err


@asynccontextmanager
async def open_vault(subject_id: str) -> AsyncIterator[Vault]:
    """The vault, once ``subject_id`` has the shape of a subject id (a usage error naming it otherwise)."""
    try:
        check_subject_id(subject_id)
    except VaultError as err:
        raise CliError(str(err)) from None
    client = await open_redis()
    try:
        yield Vault(client)
    finally:
        await client.aclose()

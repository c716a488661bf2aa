"""The store's contract suite runs every test against each backend: one redis-server, and a Redis Cluster.

The cluster (``redis_cluster``, tests/conftest.py) is started once per session, and only if a test asks for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.store import EventStore

PARTITIONS = 4
SINGLE = "single"
CLUSTER = "cluster"


@pytest.fixture(params=[SINGLE, CLUSTER])
def backend(request: pytest.FixtureRequest) -> tuple[str, Any]:
    """Which Redis the test runs against: the session's single server or the session's cluster."""
    if request.param == SINGLE:
        return SINGLE, request.getfixturevalue("redis_server")
    return CLUSTER, request.getfixturevalue("redis_cluster")


@pytest.fixture
async def client(backend: tuple[str, Any]) -> AsyncIterator[Any]:
    """A client of the backend, emptied before the test."""
    kind, server = backend
    redis: Any = Redis.from_url(server.url) if kind == SINGLE else RedisCluster(host="127.0.0.1", port=server[0].port)
    await redis.flushall()
    yield redis
    await redis.aclose()


@pytest.fixture
async def store(client: Any) -> EventStore:
    """A fresh event store with a few partitions, on each backend in turn."""
    return await EventStore.create(client, PARTITIONS)


@pytest.fixture
async def single_store(redis: Redis) -> EventStore:
    """A fresh event store on the single redis-server (tests that rewrite the log with raw commands)."""
    return await EventStore.create(redis, PARTITIONS)

"""Fixtures shared by every test: private redis-server processes on free ports with their own data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.cluster import start_cluster, stop_all

TEST_PARTITIONS = 4


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    """A local Redis Cluster for the whole session, started only if a test asks for it: 3 masters (the first three
    servers) with 1 replica each. Tests empty it before use; none may kill its nodes (they start their own)."""
    servers = start_cluster(tmp_path_factory.mktemp("cluster"), masters=3, replicas=1)
    yield servers
    stop_all(servers)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server (AOF always) for the whole session; tests flush it before use."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def make_redis_server(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """A factory of private redis-servers for tests that kill or restart Redis; all stopped after."""
    started: list[RedisServer] = []

    def make(**kwargs: object) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(started)}", **kwargs)  # type: ignore[arg-type]
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A client of the session's Redis, emptied before the test."""
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> EventStore:
    """A fresh event store with a few partitions."""
    return await EventStore.create(redis, TEST_PARTITIONS)

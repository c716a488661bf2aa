"""The store's contract suite runs every test against each backend: one redis-server, and a Redis Cluster.

The cluster (3 masters on loopback) is started once per session, and only if a test asks for it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.redis_server import RedisServer, free_port
from shared.store import EventStore

PARTITIONS = 4
SINGLE = "single"
CLUSTER = "cluster"


def stop_all(servers: list[RedisServer]) -> None:
    """Stop servers (stop also releases their pipes)."""
    for server in servers:
        server.stop()


def _cluster_state(port: int) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True, text=True, timeout=5, check=False
    )
    return done.stdout


def start_cluster(base: Path, masters: int = 3, timeout: float = 20.0) -> list[RedisServer]:
    """Start ``masters`` cluster-enabled redis-servers (AOF on) and join them into one cluster."""
    servers: list[RedisServer] = []
    try:
        for _ in range(masters):
            port, bus = free_port(), free_port()  # the bus port is chosen too: port + 10000 may not exist
            data = base / f"node-{port}"
            extra = [
                "--cluster-enabled", "yes",
                "--cluster-port", str(bus),
                "--cluster-config-file", str(data / f"nodes-{port}.conf"),
            ]
            servers.append(RedisServer(data, port=port, extra=extra).start())
        create = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{s.port}" for s in servers), "--cluster-yes"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        if create.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {create.stdout}{create.stderr}")
        deadline = time.monotonic() + timeout
        while not all("cluster_state:ok" in _cluster_state(s.port) for s in servers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach cluster_state:ok within {timeout} s")
            time.sleep(0.05)
        return servers
    except BaseException:
        stop_all(servers)
        raise


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    """A local 3-master Redis Cluster for the whole session."""
    servers = start_cluster(tmp_path_factory.mktemp("cluster"))
    yield servers
    stop_all(servers)


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

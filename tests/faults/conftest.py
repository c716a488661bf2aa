"""The fault suite's rig: a private redis-server (AOF always) and the services as real processes.

Every test here starts its own processes and kills them the way a crash does (SIGKILL). Waiting is
always polling with a deadline (``eventually``), never a bare sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from redis.asyncio import Redis
from redis.cluster import RedisCluster

from shared.redis_client import client_of
from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.cluster import url_of
from tests.signing import register_test_keys_at, write_box_keys

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 4
SINGLE, CLUSTER = "single", "cluster"
RECLAIM_IDLE_MS = 300
"""Short, so entries a killed process held are taken over within a fraction of a second."""

STARTED = {
    "hotline": '{{"consumer": "{consumer}", "intake": ',
    "incidents": '{{"consumer": "{consumer}", "intake": ',
    "projections": '{{"consumer": "{consumer}", "partitions": ',
}
"""The start of the log line each service writes once it is about to read, naming its consumer."""


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str, every: float = 0.05) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(every)


def wait_for(check: Callable[[], bool], within: float, what: str, every: float = 0.05) -> None:
    """Synchronous ``eventually`` (for tests driven by hypothesis, which run without an event loop)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        time.sleep(every)


def base_env(redis_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every process of a test: its Redis, few partitions, a short reclaim idle time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    return env | {
        "LIAISON_REDIS_URL": redis_url,
        "LIAISON_PARTITIONS": str(PARTITIONS),
        "LIAISON_RECLAIM_IDLE_MS": str(RECLAIM_IDLE_MS),
        "LIAISON_VAR": str(var_dir),
        "PYTHONPATH": str(ROOT),
    } | extra


@dataclass
class Stack:
    """A redis-server and named service processes (``hotline``, ``hotline-2``, ``projections``...)."""

    redis: RedisServer | None
    """The stack's own redis-server (None on the session's cluster: its nodes are not the test's to kill)."""
    workdir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    url: str = ""
    """LIAISON_REDIS_URL of every process of the stack (``redis+cluster://`` on the cluster)."""

    @property
    def server(self) -> RedisServer:
        """The stack's own redis-server, for the tests that kill and restart it (single Redis only)."""
        assert self.redis is not None, "this test kills Redis: it runs on a private redis-server only"
        return self.redis

    def consumer(self, name: str) -> str:
        """The consumer name a running instance reads under (host-pid, the services' default)."""
        return f"{socket.gethostname()}-{self.processes[name].pid}"

    def start(self, service: str, name: str | None = None, **env: str) -> subprocess.Popen[bytes]:
        """Start ``python -m services.<service>`` as instance ``name`` (default: the service's name)."""
        name = name or service
        assert name not in self.processes or self.processes[name].poll() is not None, f"{name} already runs"
        log = self.logs.get(name) or open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop_all
        self.logs[name] = log
        process = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"], env=self.env | env, cwd=ROOT, stdout=log, stderr=log
        )
        self.processes[name] = process
        return process

    def says_started(self, service: str, name: str) -> bool:
        """True once the instance has logged that it starts reading, under its own consumer name.

        (Redis 7.0 registers a consumer only once a read returns entries, so the group's consumer
        list cannot tell that an idle instance reads; its log line can.)
        """
        assert self.alive(name), f"{name} exited early:\n{self.log(name)[-3000:]}"
        return STARTED[service].format(consumer=self.consumer(name)) in self.log(name)

    async def started(self, service: str, name: str | None = None, within: float = 20, **env: str) -> None:
        """Start an instance and wait until it says it started."""
        name = name or service
        self.start(service, name, **env)

        async def reading() -> bool:
            return self.says_started(service, name)

        await eventually(reading, within, f"{name} to start")

    def started_sync(self, service: str, name: str | None = None, within: float = 20, **env: str) -> None:
        """``started`` for tests without an event loop."""
        name = name or service
        self.start(service, name, **env)
        wait_for(lambda: self.says_started(service, name), within, f"{name} to start")

    def alive(self, name: str) -> bool:
        """True while the instance runs."""
        return self.processes[name].poll() is None

    def kill(self, name: str) -> None:
        """kill -9: no chance to acknowledge, flush or say goodbye."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def log(self, name: str) -> str:
        """What the instance wrote so far."""
        self.logs[name].flush()
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def liaison(
        self, *args: str, stdin: bytes | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the CLI to completion."""
        return subprocess.run(
            [sys.executable, "-m", "liaison", *args], env=self.env, cwd=self.workdir, input=stdin,
            capture_output=True, timeout=timeout, check=False,
        )

    def stop_all(self) -> None:
        """Stop every instance still running (SIGTERM, then SIGKILL), and close their logs."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs.values():
            log.close()


def close_stderr(server: RedisServer) -> None:
    """RedisServer keeps a stderr pipe per process it starts; close it, or it warns when collected."""
    if server.process is not None and server.process.stderr is not None:
        server.process.stderr.close()


def restart_redis(server: RedisServer) -> None:
    """Start a killed redis-server again on the same data directory and port."""
    server.start()
    close_stderr(server)


@pytest.fixture
def topology(request: pytest.FixtureRequest) -> str:
    """``single`` (a private redis-server), or ``cluster`` for a test parametrized with it (``indirect``)."""
    return str(getattr(request, "param", SINGLE))


@pytest.fixture
def stack(tmp_path: Path, topology: str, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A private redis-server (AOF always, fsync always), or the session's emptied cluster; no services yet;
    everything stopped after."""
    server = None
    if topology == CLUSTER:
        nodes: list[RedisServer] = request.getfixturevalue("redis_cluster")
        url = url_of(nodes)
        flushing = RedisCluster(host="127.0.0.1", port=nodes[0].port)
        flushing.flushall()  # every master
        flushing.close()
    else:
        server = RedisServer(tmp_path / "redis").start()
        close_stderr(server)
        url = server.url
    built = Stack(server, tmp_path, base_env(url, tmp_path / "var"), url=url)
    write_box_keys(tmp_path / "var")  # what `liaison up` makes: the units', the gateway's and the incidents' keys
    register_test_keys_at(url)
    yield built
    built.stop_all()
    if server is not None:
        server.stop()


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[Redis]:
    """An asyncio client of the stack's Redis."""
    redis = client_of(stack.url)
    yield redis
    await redis.aclose()


@pytest.fixture
async def store(client: Redis) -> EventStore:
    """The stack's event store (created here with the services' partition count, so both agree)."""
    return await EventStore.create(client, PARTITIONS)

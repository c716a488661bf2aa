"""Real processes: redis-server, the services as `python -m services.X`, and the `liaison` CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from shared.redis_server import RedisServer
from tests.signing import register_test_keys_at, write_box_keys

ROOT = Path(__file__).resolve().parents[2]

READS = {"hotline": ("liaison:intake:hotline", "hotline"), "projections": ("liaison:{p0}:log", "projections")}
"""A stream each service reads and the consumer group it creates there before it starts reading."""


@dataclass
class Deployment:
    """A redis-server plus service processes, and a way to run the CLI against them."""

    redis: RedisServer
    workdir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, service: str, name: str | None = None, **env: str) -> subprocess.Popen[bytes]:
        """Start one service as its own process (log in workdir/<name>.log) and wait until it reads; ``name``
        (default: the service's) tells a second process of one service from the first; ``env`` adds to its
        environment."""
        name = name or service
        with open(self.workdir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"], env=self.env | env, cwd=ROOT, stdout=log, stderr=log
            )
        self.processes[name] = process
        wait_until(lambda: self._reading(service, name), 20, f"{name} to create its consumer groups")
        return process

    reads: dict[str, tuple[str, str]] | None = None
    """The stream and group each service reads (``READS`` unless a deployment names its own)."""

    def client(self) -> Any:
        """A (synchronous) client of the deployment's Redis."""
        return Redis.from_url(self.redis.url)

    def _reading(self, service: str, name: str) -> bool:
        """True once the service's consumer group exists on the stream(s) it reads."""
        assert self.processes[name].poll() is None, (self.workdir / f"{name}.log").read_text()
        client = self.client()
        try:
            stream, group = (self.reads or READS)[service]
            if not client.exists(stream):
                return False
            return any(g["name"].decode() == group for g in client.xinfo_groups(stream))
        finally:
            client.close()

    def kill(self, service: str) -> None:
        """kill -9 one service: no chance to ack, flush or say goodbye."""
        process = self.processes.pop(service)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def liaison(self, *args: str, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the CLI to completion."""
        return subprocess.run(
            [sys.executable, "-m", "liaison", *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin.decode() if stdin is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def liaison_json(self, *args: str) -> Any:
        """Run the CLI with --json and parse its output."""
        result = self.liaison(*args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def stop_all(self) -> None:
        """Stop every service still running."""
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


@contextmanager
def liaison_up(env: dict[str, str], cwd: Path, ready: str) -> Iterator[tuple[subprocess.Popen[bytes], list[str]]]:
    """`liaison up` as its own process, yielded (with the lines it printed) once a line names ``ready``; stopped
    with Ctrl-C after if still running (its children and Redis run in their own sessions: a bare kill orphans
    them)."""
    up = subprocess.Popen([sys.executable, "-m", "liaison", "up"], env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    try:
        assert up.stdout is not None
        seen: list[str] = []
        while not any(ready in line for line in seen):
            line = up.stdout.readline().decode()
            assert line, "liaison up ended early: " + "".join(seen)
            seen.append(line)
        yield up, seen
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(30)
            except subprocess.TimeoutExpired:
                up.kill()
                up.wait()
        if up.stdout is not None:
            up.stdout.close()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` until it holds, failing with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def deployment(make_redis_server: Callable[..., RedisServer], tmp_path: Path) -> Iterator[Deployment]:
    """A private redis-server and an environment pointing the services and the CLI at it."""
    server = make_redis_server()
    env = {
        **os.environ,
        "LIAISON_REDIS_URL": server.url,
        "LIAISON_PARTITIONS": "4",
        "LIAISON_RECLAIM_IDLE_MS": "1000",
        "LIAISON_VAR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    write_box_keys(tmp_path / "var")  # what `liaison up` makes: the units', the gateway's and the incidents' keys
    register_test_keys_at(server.url)
    deployed = Deployment(server, tmp_path, env)
    yield deployed
    deployed.stop_all()

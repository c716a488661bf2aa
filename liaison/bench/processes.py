"""The services (or the raw skeleton) as real processes on the bench's Redis, started and stopped by the bench."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from redis.cluster import RedisCluster

from shared.redis_client import node_url

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0


class ProcessError(RuntimeError):
    """A service process died or did not come up."""


@dataclass
class Fleet:
    """Service processes of one kind: ``real`` (``python -m services.X``) or the raw skeleton."""

    url: str
    workdir: Path
    hotline: int
    projections: int
    partitions: int
    skeleton: bool = False
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    startup_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds one process of each role takes to start, measured on the first start."""
    ready_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per role used to start (imports, connecting), read once all processes read."""
    last_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per role used after starting, read just before the last stop."""

    def _command(self, role: str, index: int) -> list[str]:
        if self.skeleton:
            return [sys.executable, "-m", "liaison.bench.skeleton", role, self.url, str(self.partitions)]
        return [sys.executable, "-m", f"services.{role}"]

    def start(self) -> None:
        """Start every process and wait until each reads; on failure, stop what was started."""
        env = os.environ | {
            "LIAISON_REDIS_URL": self.url,
            "LIAISON_PARTITIONS": str(self.partitions),
        }
        kind = "skeleton" if self.skeleton else "service"
        for role, count in (("hotline", self.hotline), ("projections", self.projections)):
            for i in range(count):
                log = open(self.workdir / f"{kind}-{role}-{i}.log", "ab")  # noqa: SIM115 - the child owns it
                try:
                    # In the bench's own directory: nothing is imported from wherever the bench was started.
                    process = subprocess.Popen(self._command(role, i), env=env, cwd=self.workdir, stdout=log,
                                               stderr=log)
                finally:
                    log.close()
                self.processes.append((role, process))
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        # A process that starts on a backlog is busy before it is seen blocking in a read, so what a
        # start costs (imports, connecting) is measured once, on the first start, with nothing queued.
        if not self.startup_cpu:
            self.startup_cpu = {role: used / self._count(role) for role, used in self.cpu_seconds().items()}
        self.ready_cpu = {role: cpu * self._count(role) for role, cpu in self.startup_cpu.items()}

    def _wait_ready(self) -> None:
        node = node_url(self.url)
        client = Redis.from_url(self.url) if node is None else RedisCluster.from_url(node)
        deadline = time.monotonic() + READY_TIMEOUT_S
        try:
            while True:
                self.check()
                # Each hotline process blocks in one XREADGROUP, each projections process in one per partition.
                if _reading(client) >= self.hotline + self.projections * self.partitions:
                    return
                if time.monotonic() > deadline:
                    raise ProcessError(f"the processes did not start reading within {READY_TIMEOUT_S} s "
                                       f"(logs in {self.workdir})")
                time.sleep(0.05)
        finally:
            client.close()

    def check(self) -> None:
        """Raise if a process has ended."""
        for role, process in self.processes:
            if process.poll() is not None:
                raise ProcessError(f"a {role} process exited with {process.returncode} (logs in {self.workdir})")

    def _count(self, role: str) -> int:
        return self.hotline if role == "hotline" else self.projections

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by the processes of each role (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used: dict[str, float] = {}
        for role, process in self.processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[role] = used.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
        return used

    def stop(self) -> None:
        """SIGTERM every process (they finish their batch), SIGKILL what is left after the grace period."""
        now = self.cpu_seconds()
        self.last_cpu = {role: used - self.ready_cpu.get(role, 0.0) for role, used in now.items()}
        for _, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for _, process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def pids(self) -> list[int]:
        """The process ids, for a profiler."""
        return [p.pid for _, p in self.processes]


def _reading(client: Redis | RedisCluster) -> int:
    """Connections whose last command is XREADGROUP (Redis 7.0 lists a consumer only once it got an entry),
    on every master of a cluster (each process reads each partition where its slot is served)."""
    if isinstance(client, RedisCluster):
        primaries: Any = client.get_primaries()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        lists: list[Any] = [client.client_list(target_nodes=node) for node in primaries]
    else:
        lists = [client.client_list()]
    return sum(1 for clients in lists for c in clients if c.get("cmd") == "xreadgroup")

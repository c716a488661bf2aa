"""Start and stop a private redis-server: the embedded default of ``liaison up``, benchmarks and tests.

Durable by default (decision 11): AOF with ``appendfsync always`` and no eviction.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class RedisServerError(RuntimeError):
    """redis-server is missing or did not come up."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class RedisServer:
    """One redis-server process with its own data directory."""

    data_dir: Path
    port: int = 0
    unix_socket: Path | None = None
    fsync: str = "always"
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis:// or unix:// URL clients connect with."""
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}"
        return f"redis://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The redis-server command line."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerError("redis-server not found on PATH (make run installs it; or set LIAISON_REDIS_URL)")
        args = [
            binary,
            "--dir", str(self.data_dir),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--appendonly", "yes",
            "--appendfsync", self.fsync,
            "--maxmemory-policy", "noeviction",
            "--save", "",
            # Partition logs hold ~1 KB entries: 16 KB stream nodes (default 4 KB) waste less per node
            # (-42 B/event measured at 200,000 events; docs/benchmarks.md) at the same append and read times.
            "--stream-node-max-bytes", "16384",
            "--logfile", str(self.data_dir / "redis.log"),
            "--daemonize", "no",
        ]
        if self.unix_socket is not None:
            args += ["--unixsocket", str(self.unix_socket), "--unixsocketperm", "700"]
        return args + self.extra

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.port == 0 and self.unix_socket is None:
            self.port = free_port()
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                self._release()
                raise RedisServerError(f"redis-server exited with {self.process.returncode}: {err.strip()}")
            if self.answers():
                return self
            time.sleep(0.02)
        self.stop()
        raise RedisServerError(f"redis-server did not answer within {timeout} s (log: {self.data_dir / 'redis.log'})")

    def answers(self) -> bool:
        """True if the server answers PING right now."""
        try:
            if self.unix_socket is not None:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect(str(self.unix_socket))
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9: the way a crash ends it (no final fsync, no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._release()

    def _release(self) -> None:
        """Close our end of the ended process's stderr pipe (an open one leaks a file descriptor)."""
        if self.process is not None and self.process.poll() is not None and self.process.stderr is not None:
            self.process.stderr.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly (SIGTERM: Redis flushes the AOF), falling back to kill."""
        if self.process is None or self.process.poll() is not None:
            self._release()
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._release()

    def restart(self) -> RedisServer:
        """Start again on the same data directory and address."""
        self.stop()
        if self.unix_socket is not None and self.unix_socket.exists():
            os.unlink(self.unix_socket)
        return self.start()

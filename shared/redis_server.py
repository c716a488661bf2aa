"""Start and stop a private redis-server: the embedded default of ``liaison up``, benchmarks and tests.

Durable by default (ADR 0017): AOF with ``appendfsync always`` and no eviction.

``start`` returns only once the server answering at the address is the process it started (``INFO
server``'s ``process_id`` is the child's pid): a free port is only free when it is picked, and
another process's Redis answering there must never be taken for ours (a test would ``FLUSHALL`` it).
A port it picked itself that turns out taken is given up for another; an address the caller chose
(or a restart's, which keeps its address) fails with an error naming the process that holds it.
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


class AddressTakenError(RedisServerError):
    """Another process listens at the address: the redis-server started here cannot have it."""


PORT_TRIES = 5
"""Free ports tried, one after another, when the one picked is taken before redis-server binds it."""


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
        """Start the server and wait until it, and no other process, answers at its address.

        With neither a port nor a socket given, a free port is picked, and another one if a different
        process took it first; a given address (or the one a restart keeps) that another process holds
        raises ``AddressTakenError``.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pick = self.port == 0 and self.unix_socket is None
        for attempt in range(1, PORT_TRIES + 1):
            if pick:
                self.port = free_port()
            try:
                return self._start_once(timeout)
            except AddressTakenError:
                if not pick or attempt == PORT_TRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _address(self) -> str:
        return str(self.unix_socket) if self.unix_socket is not None else f"127.0.0.1:{self.port}"

    def _start_once(self, timeout: float) -> RedisServer:
        process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.process = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                self._release()
                said = (err.strip() + "\n" + self._log_tail()).strip()
                if "Address already in use" in said:
                    raise AddressTakenError(f"{self._address()} is taken by another process: {said}")
                raise RedisServerError(f"redis-server exited with {process.returncode}: {said}")
            pid = self.answering_pid()
            if pid == process.pid:
                return self
            if pid is not None:
                self.kill()
                raise AddressTakenError(
                    f"{self._address()} is answered by another Redis (process {pid}), not the redis-server "
                    f"started here (process {process.pid}); it is not ours to use"
                )
            time.sleep(0.02)
        self.stop()
        raise RedisServerError(f"redis-server did not answer within {timeout} s (log: {self.data_dir / 'redis.log'})")

    def _log_tail(self, lines: int = 5) -> str:
        try:
            return "\n".join((self.data_dir / "redis.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _ask(self, command: bytes) -> bytes | None:
        """One inline command's whole reply (a status line, or a bulk string's payload); None if nothing answers."""
        try:
            if self.unix_socket is not None:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(0.5)
                try:
                    s.connect(str(self.unix_socket))
                except OSError:
                    s.close()  # not yet listening: close it here, the ``with`` below is not reached
                    raise
            else:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=0.5)
            with s:
                s.sendall(command + b"\r\n")
                reply = b""
                while b"\r\n" not in reply:
                    chunk = s.recv(4096)
                    if not chunk:
                        return None
                    reply += chunk
                head, _, rest = reply.partition(b"\r\n")
                if not head.startswith(b"$"):
                    return head
                size = int(head[1:])
                while len(rest) < size:
                    chunk = s.recv(65536)
                    if not chunk:
                        return None
                    rest += chunk
                return rest[:size]
        except (OSError, ValueError):
            return None

    def answers(self) -> bool:
        """True if some Redis answers PING at this server's address right now (ours or not: see ``answering_pid``)."""
        reply = self._ask(b"PING")
        # -NOAUTH answers too: a Redis whose default user is off (liaison up's) is still running there.
        return reply is not None and (reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH"))

    def answering_pid(self) -> int | None:
        """The process id of the Redis answering at this server's address (``INFO server``), None if none does."""
        reply = self._ask(b"INFO server")
        if reply is None:
            return None
        for line in reply.decode(errors="replace").splitlines():
            if line.startswith("process_id:"):
                return int(line.partition(":")[2])
        return None

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

"""A TCP proxy between a client and the gateway that plays the network: it cuts connections, refuses new ones,
or goes silent on the open ones (a half-open connection), and keeps the head of each request it passed on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    silent: bool = False

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            writer.close()


@dataclass
class Proxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target``."""

    target: int
    port: int = 0
    refusing: bool = False
    """New connections are closed at once (the gateway's address is unreachable)."""
    heads: list[bytes] = field(default_factory=list)
    """The request head (request line and headers) of each connection passed on, in order."""
    attempts: list[float] = field(default_factory=list)
    """When each connection came (``time.monotonic()``), refused ones too."""
    _open: set[_Connection] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def cut(self) -> None:
        """Close every open connection, both ways (the network dropped them)."""
        for connection in list(self._open):
            connection.close()

    def silence(self) -> None:
        """Stop passing anything on the open connections, and keep them open (a half-open connection)."""
        for connection in self._open:
            connection.silent = True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.attempts.append(time.monotonic())
        try:
            if self.refusing:
                writer.close()
                return
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
            except OSError:
                writer.close()
                return
            connection = _Connection(writer, up_writer)
            self._open.add(connection)
            try:
                await asyncio.gather(self._pump(reader, up_writer, connection, record=True),
                                     self._pump(up_reader, writer, connection, record=False))
            finally:
                self._open.discard(connection)
                connection.close()
        finally:
            self._tasks.discard(task)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, connection: _Connection,
                    *, record: bool) -> None:
        head = b""
        with contextlib.suppress(OSError):
            while chunk := await source.read(65536):
                if record and b"\r\n\r\n" not in head:
                    head += chunk
                    if b"\r\n\r\n" in head:
                        self.heads.append(head.split(b"\r\n\r\n")[0])
                if connection.silent:
                    continue
                sink.write(chunk)
                await sink.drain()
        connection.close()

    def last_event_ids(self) -> list[str | None]:
        """The ``Last-Event-ID`` each request passed on sent (None where it sent none)."""
        found: list[str | None] = []
        for head in self.heads:
            lines = head.decode("latin-1").split("\r\n")[1:]
            values = [v.strip() for k, _, v in (line.partition(":") for line in lines) if k.lower() == "last-event-id"]
            found.append(values[0] if values else None)
        return found


@asynccontextmanager
async def proxy_to(target: int | None) -> AsyncIterator[Proxy]:
    """A proxy to the local port ``target`` on a free port; closed, with every connection, on exit."""
    assert target is not None, "the server to proxy to is not listening"
    proxy = Proxy(target)
    server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:
        server.close()
        proxy.cut()
        for task in list(proxy._tasks):
            task.cancel()
        await asyncio.gather(*proxy._tasks, return_exceptions=True)
        await server.wait_closed()

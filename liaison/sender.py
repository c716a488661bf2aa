"""Put reports on the services' intake streams and wait for their outcomes."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import reports
from shared.store import keys

READ_BLOCK_MS = 200
"""How long one read of the outcomes stream blocks; also how soon the reader notices it should stop."""


def route(line: bytes) -> tuple[str, str] | dict[str, Any]:
    """(service, command_id) for a routable report, else a local rejection saying what is wrong."""
    routed = reports.route(line)
    if isinstance(routed, reports.Unroutable):
        return {
            "command_id": routed.command_id,
            "status": "rejected",
            "reason": {"code": routed.reason.code, "message": routed.reason.message},
        }
    return routed.service, routed.command_id


class Sender:
    """Sends reports and matches outcomes to them by command id (first outcome wins)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._last_id = "0-0"
        self._closing = False

    async def __aenter__(self) -> Sender:
        # Start reading after the newest outcome that exists now, before sending anything,
        # so no outcome of ours can slip in between.
        newest: Any = await self.redis.xrevrange(keys.OUTCOMES, "+", "-", count=1)
        if newest:
            raw_id = newest[0][0]
            self._last_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        self._reader = asyncio.create_task(self._read_outcomes())
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Ask the reader to stop after its current short blocking read rather than cancelling
        # it: cancelling a blocking XREAD was seen to leave redis-py 8.1's task hanging.
        self._closing = True
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), READ_BLOCK_MS / 1000 * 4)
            except TimeoutError:
                self._reader.cancel()

    async def send(self, service: str, command_id: str, line: bytes) -> asyncio.Future[dict[str, Any]]:
        """Put one report on its service's intake; the future resolves with its outcome."""
        future = self._waiting.get(command_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[command_id] = future
        await self.redis.xadd(keys.intake(service), {"report": line})
        return future

    async def _read_outcomes(self) -> None:
        while not self._closing:
            try:
                replies: Any = await self.redis.xread({keys.OUTCOMES: self._last_id}, count=500, block=READ_BLOCK_MS)
            except (RedisError, OSError):
                # Redis restarting: keep the position and read again; outcomes wait in the stream.
                await asyncio.sleep(READ_BLOCK_MS / 1000)
                continue
            for _stream, entries in replies or []:
                for entry_id, fields in entries:
                    self._last_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    command_id = fields.get(b"command_id", b"").decode()
                    future = self._waiting.pop(command_id, None)
                    if future is not None and not future.done():
                        future.set_result(msgspec.json.decode(fields[b"outcome"]))

"""Waiting for the outcome of a report: one reader of the outcomes stream per process (gateway, CLI).

Every request that sends a report registers its command id *before* the report is put on the
intake, and the reader follows ``liaison:outcomes`` from the position it took before the first
request was served, so no outcome can slip past between sending and waiting. The first outcome
written after that point for a command id answers every request waiting on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.redis_client import text
from shared.store import keys

log = structlog.get_logger("outcomes")

RETRY_S = 0.5
"""Pause after a failed read before trying again (Redis restarting, a network blip)."""



class OutcomeWaiter:
    """Follows the outcomes stream and resolves the futures of the command ids being waited for."""

    def __init__(self, redis: Redis, block_ms: int = 1000) -> None:
        self.redis = redis
        self.block_ms = block_ms
        self.ready = asyncio.Event()
        """Set once the reader holds a starting position: only then may a report be sent."""
        self._waiting: dict[str, list[asyncio.Future[bytes]]] = {}
        self._last_id = "0-0"
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the reader task (it takes its starting position first, retrying until Redis answers)."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop the reader after its current short read; fail nothing still waiting (they time out)."""
        self._closing = True
        if self._task is None:
            return
        # Let the blocking read end by itself rather than cancel it mid-reply.
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.block_ms / 1000 * 3)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def expect(self, command_id: str) -> asyncio.Future[bytes]:
        """A future resolved with the outcome JSON of this command id; call before sending the report."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(command_id, []).append(future)
        return future

    def forget(self, command_id: str, future: asyncio.Future[bytes]) -> None:
        """Stop waiting (the request timed out or went away)."""
        futures = self._waiting.get(command_id)
        if futures is None:
            return
        with contextlib.suppress(ValueError):
            futures.remove(future)
        if not futures:
            del self._waiting[command_id]

    @property
    def waiting(self) -> int:
        """Command ids being waited for."""
        return len(self._waiting)

    async def _position(self) -> None:
        newest: Any = await self.redis.xrevrange(keys.OUTCOMES, "+", "-", count=1)
        self._last_id = text(newest[0][0]) if newest else "0-0"
        self.ready.set()

    async def _run(self) -> None:
        while not self._closing:
            try:
                if not self.ready.is_set():
                    await self._position()
                await self._read_once()
            except (RedisError, OSError) as err:
                log.warning("outcomes_read_failed", error=str(err), retry_in_s=RETRY_S)
                await asyncio.sleep(RETRY_S)
            except Exception:
                # Never let one odd entry end the only reader: every report would then wait in vain.
                log.exception("outcomes_reader_error", retry_in_s=RETRY_S)
                await asyncio.sleep(RETRY_S)

    async def _read_once(self) -> None:
        replies: Any = await self.redis.xread({keys.OUTCOMES: self._last_id}, count=500, block=self.block_ms)
        for _stream, entries in replies or []:
            for entry_id, fields in entries:
                self._last_id = text(entry_id)
                command_id = text(fields.get(b"command_id", b""))
                futures = self._waiting.pop(command_id, None)
                for future in futures or ():
                    if not future.done():
                        future.set_result(fields.get(b"outcome", b""))

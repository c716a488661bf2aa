"""Waiting for the outcome of a report: one reader of the outcomes stream per process (gateway, CLI).

Every request that sends a report registers its command id *before* the report is put on the
intake, and the reader follows ``liaison:outcomes`` from the position it took before the first
request was served, so no outcome can slip past between sending and waiting. A request that says
which intake entry it wrote (``expect(..., by_entry=True)`` then ``bind``) is answered only by the outcome
of that entry: an outcome another writer's entry got under the same command id (an unsigned copy put on the
intake to make the sender hear "unsigned") is not its answer. Otherwise the first outcome written for the
command id answers it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.redis_client import text
from shared.store import keys

log = structlog.get_logger("outcomes")

RETRY_S = 0.5
"""Pause after a failed read before trying again (Redis restarting, a network blip)."""


Entry = tuple[str, str]
"""An intake entry: (stream, entry id)."""


@dataclass(eq=False)
class _Wait:
    """One request waiting: its future, the entry it wrote (once bound) and what came before it was bound."""

    future: asyncio.Future[bytes]
    by_entry: bool
    entry: Entry | None = None
    early: list[tuple[Entry | None, bytes]] = field(default_factory=list)


class OutcomeWaiter:
    """Follows the outcomes stream and resolves the futures of the command ids being waited for."""

    def __init__(self, redis: Redis, block_ms: int = 1000) -> None:
        self.redis = redis
        self.block_ms = block_ms
        self.ready = asyncio.Event()
        """Set once the reader holds a starting position: only then may a report be sent."""
        self._waiting: dict[str, list[_Wait]] = {}
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

    def expect(self, command_id: str, by_entry: bool = False) -> asyncio.Future[bytes]:
        """A future resolved with the outcome JSON of this command id; call before sending the report."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(command_id, []).append(_Wait(future, by_entry))
        return future

    def bind(self, command_id: str, future: asyncio.Future[bytes], stream: str, entry_id: bytes | str) -> None:
        """The entry the request wrote (XADD's reply): only that entry's outcome answers it."""
        for wait in self._waiting.get(command_id, ()):
            if wait.future is future:
                wait.entry = (stream, text(entry_id))
                for entry, outcome in wait.early:
                    if entry is None or entry == wait.entry:
                        self._resolve(command_id, wait, outcome)
                        return
                wait.early.clear()
                return

    def forget(self, command_id: str, future: asyncio.Future[bytes]) -> None:
        """Stop waiting (the request timed out or went away)."""
        waits = self._waiting.get(command_id)
        if waits is None:
            return
        waits[:] = [w for w in waits if w.future is not future]
        if not waits:
            del self._waiting[command_id]

    def _resolve(self, command_id: str, wait: _Wait, outcome: bytes) -> None:
        if not wait.future.done():
            wait.future.set_result(outcome)
        self.forget(command_id, wait.future)

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
                outcome = fields.get(b"outcome", b"")
                answered = (text(fields[b"stream"]), text(fields[b"entry"])) if b"entry" in fields else None
                for wait in list(self._waiting.get(command_id, ())):
                    if not wait.by_entry:
                        self._resolve(command_id, wait, outcome)
                    elif wait.entry is None:  # its XADD has not replied yet: keep it until we know its entry
                        wait.early.append((answered, outcome))
                    elif answered is None or answered == wait.entry:
                        self._resolve(command_id, wait, outcome)

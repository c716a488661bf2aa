"""The intake reclaim loop of a service: entries left pending (a consumer died, Redis failed mid-batch) are claimed
and processed again. Shared by the hotline and the incidents services (each passes its own processor and settings).

FastStream 0.7 never redelivers on Redis (nack/reject do nothing), and its own
``min_idle_time`` subscriber only claims, one entry at a time, with no delivery limit; so
this loop runs XAUTOCLAIM itself and dead-letters an entry that keeps failing.

Two sweeps: entries of any consumer idle for ``reclaim_idle_ms`` (a dead process's), and this
process's own entries idle for ``own_pending_idle_ms``. The second matters after Redis went away:
a read whose reply was lost, or a batch that failed, leaves entries pending for this live
consumer, and with the default idle time of 30 s they would otherwise wait that long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

Entry = tuple[bytes, dict[bytes, bytes]]
"""One stream entry as redis-py returns it: its id and its fields."""

REDIS_FAILURES = (RedisError, OSError)
"""Failures that say nothing about an entry: it stays pending and is tried again."""


class EntryProcessor(Protocol):
    """What a service's batch processor offers the reclaim loop."""

    @property
    def intake(self) -> str:
        """The intake stream the processor reads."""
        ...

    async def process(self, entries: Sequence[Entry], give_up: frozenset[bytes] = frozenset()) -> None:
        """Process and acknowledge entries; those in ``give_up`` failed too often."""
        ...


class ReclaimSettings(Protocol):
    """The settings of a service the reclaim loop reads."""

    @property
    def consumer(self) -> str: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def reclaim_idle_ms(self) -> int: ...
    @property
    def reclaim_every_s(self) -> float: ...
    @property
    def max_deliveries(self) -> int: ...


class Reclaimer:
    """Claims entries pending longer than ``reclaim_idle_ms`` for this consumer and processes them again."""

    def __init__(
        self,
        redis: Redis,
        processor: EntryProcessor,
        config: ReclaimSettings,
        *,
        group: str,
        own_pending_idle_ms: int,
        service: str,
    ) -> None:
        self.redis = redis
        self.processor = processor
        self.config = config
        self.group = group
        self.own_pending_idle_ms = own_pending_idle_ms
        self.log = structlog.get_logger(service)

    async def run(self) -> None:
        """Sweep forever, every ``reclaim_every_s``; failures are logged and the loop goes on."""
        while True:
            try:
                await self.sweep()
            except REDIS_FAILURES as err:
                self.log.warning("reclaim_failed", error=str(err))
            except Exception:  # the loop is the only way pending entries recover: it must not die
                self.log.exception("reclaim_failed")
            await asyncio.sleep(self.config.reclaim_every_s)

    async def sweep(self) -> int:
        """One pass over the group's pending entries; returns how many were claimed."""
        claimed = await self._sweep_abandoned()
        if self.config.reclaim_idle_ms > self.own_pending_idle_ms:  # else the first sweep already took them
            claimed += await self.sweep_own()
        return claimed

    async def sweep_own(self) -> int:
        """Process again this consumer's own entries unfinished for ``own_pending_idle_ms``; returns how many."""
        pending: list[Any] = await self.redis.xpending_range(
            self.processor.intake,
            self.group,
            min="-",
            max="+",
            count=self.config.batch_size,
            consumername=self.config.consumer,
            idle=self.own_pending_idle_ms,
        )
        if not pending:
            return 0
        ids = [p["message_id"] for p in pending]
        # XCLAIM to ourselves: counts the delivery (for _exhausted) and resets the idle time, so the
        # next sweep does not take them again while they are processed.
        claimed: list[Any] = await self.redis.xclaim(
            self.processor.intake, self.group, self.config.consumer, self.own_pending_idle_ms, ids
        )
        # Entries deleted from the stream meanwhile are not returned (Redis 7 drops them from the
        # pending list itself); ones another consumer touched since XPENDING are not idle enough.
        entries: list[Entry] = [(entry_id, fields) for entry_id, fields in claimed if fields]
        if entries:
            give_up = await self._exhausted(entries)
            self.log.info("resumed_own", entries=len(entries), giving_up=len(give_up))
            await self.processor.process(entries, give_up)
        return len(entries)

    async def _sweep_abandoned(self) -> int:
        """Claim and process entries of any consumer idle for ``reclaim_idle_ms``."""
        start: bytes | str = "0-0"
        claimed_total = 0
        while True:
            reply: list[Any] = await self.redis.xautoclaim(
                self.processor.intake,
                self.group,
                self.config.consumer,
                min_idle_time=self.config.reclaim_idle_ms,
                start_id=start,
                count=self.config.batch_size,
            )
            start, claimed = reply[0], reply[1]
            entries: list[Entry] = [(entry_id, fields) for entry_id, fields in claimed if fields]
            if entries:
                claimed_total += len(entries)
                give_up = await self._exhausted(entries)
                self.log.info("reclaimed", entries=len(entries), giving_up=len(give_up))
                await self.processor.process(entries, give_up)
            if start in (b"0-0", "0-0"):
                return claimed_total

    async def _exhausted(self, entries: list[Entry]) -> frozenset[bytes]:
        """Entries already delivered more than ``max_deliveries`` times (XAUTOCLAIM counted this claim)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xpending_range(self.processor.intake, self.group, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        return frozenset(
            entry_id
            for (entry_id, _), pending in zip(entries, replies, strict=True)
            if pending and int(pending[0]["times_delivered"]) > self.config.max_deliveries
        )

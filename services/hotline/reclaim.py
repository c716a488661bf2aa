"""The reclaim loop: entries left pending (a consumer died, Redis failed mid-batch) are claimed and processed.

FastStream 0.7 never redelivers on Redis (nack/reject do nothing), and its own
``min_idle_time`` subscriber only claims, one entry at a time, with no delivery limit; so
this loop runs XAUTOCLAIM itself and dead-letters an entry that keeps failing.

Two sweeps: entries of any consumer idle for ``reclaim_idle_ms`` (a dead process's), and this
process's own entries idle for OWN_PENDING_IDLE_MS. The second matters after Redis went away:
a read whose reply was lost, or a batch that failed, leaves entries pending for this live
consumer, and with the default idle time of 30 s they would otherwise wait that long.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from redis.asyncio import Redis

from services.hotline.config import GROUP, OWN_PENDING_IDLE_MS, HotlineConfig
from services.hotline.processor import REDIS_FAILURES, Entry, Processor

log = structlog.get_logger("hotline")


class Reclaimer:
    """Claims entries pending longer than ``reclaim_idle_ms`` for this consumer and processes them again."""

    def __init__(self, redis: Redis, processor: Processor, config: HotlineConfig) -> None:
        self.redis = redis
        self.processor = processor
        self.config = config

    async def run(self) -> None:
        """Sweep forever, every ``reclaim_every_s``; failures are logged and the loop goes on."""
        while True:
            try:
                await self.sweep()
            except REDIS_FAILURES as err:
                log.warning("reclaim_failed", error=str(err))
            except Exception:  # the loop is the only way pending entries recover: it must not die
                log.exception("reclaim_failed")
            await asyncio.sleep(self.config.reclaim_every_s)

    async def sweep(self) -> int:
        """One pass over the group's pending entries; returns how many were claimed."""
        claimed = await self._sweep_abandoned()
        if self.config.reclaim_idle_ms > OWN_PENDING_IDLE_MS:  # else the first sweep already took them
            claimed += await self.sweep_own()
        return claimed

    async def sweep_own(self) -> int:
        """Process again this consumer's own entries unfinished for OWN_PENDING_IDLE_MS; returns how many."""
        pending: list[Any] = await self.redis.xpending_range(
            self.processor.intake,
            GROUP,
            min="-",
            max="+",
            count=self.config.batch_size,
            consumername=self.config.consumer,
            idle=OWN_PENDING_IDLE_MS,
        )
        if not pending:
            return 0
        ids = [p["message_id"] for p in pending]
        # XCLAIM to ourselves: counts the delivery (for _exhausted) and resets the idle time, so the
        # next sweep does not take them again while they are processed.
        claimed: list[Any] = await self.redis.xclaim(
            self.processor.intake, GROUP, self.config.consumer, OWN_PENDING_IDLE_MS, ids
        )
        # Entries deleted from the stream meanwhile are not returned (Redis 7 drops them from the
        # pending list itself); ones another consumer touched since XPENDING are not idle enough.
        entries: list[Entry] = [(entry_id, fields) for entry_id, fields in claimed if fields]
        if entries:
            give_up = await self._exhausted(entries)
            log.info("resumed_own", entries=len(entries), giving_up=len(give_up))
            await self.processor.process(entries, give_up)
        return len(entries)

    async def _sweep_abandoned(self) -> int:
        """Claim and process entries of any consumer idle for ``reclaim_idle_ms``."""
        start: bytes | str = "0-0"
        claimed_total = 0
        while True:
            reply: list[Any] = await self.redis.xautoclaim(
                self.processor.intake,
                GROUP,
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
                log.info("reclaimed", entries=len(entries), giving_up=len(give_up))
                await self.processor.process(entries, give_up)
            if start in (b"0-0", "0-0"):
                return claimed_total

    async def _exhausted(self, entries: list[Entry]) -> frozenset[bytes]:
        """Entries already delivered more than ``max_deliveries`` times (XAUTOCLAIM counted this claim)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xpending_range(self.processor.intake, GROUP, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        return frozenset(
            entry_id
            for (entry_id, _), pending in zip(entries, replies, strict=True)
            if pending and int(pending[0]["times_delivered"]) > self.config.max_deliveries
        )

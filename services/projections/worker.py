"""The projections worker: one consumer of the projections group on every partition log.

Plain redis-py rather than FastStream, because FastStream 0.7's Redis subscriber (DESIGN.md,
"FastStream pitfalls") creates groups at ``$`` (a new group would never see the log that is
already there), never redelivers a message whose handler raised, and reads all its streams
with one consumer position. The projections need groups created at ``0`` on every
partition, their own XAUTOCLAIM loop for what a dead consumer left pending, delivery
counts to park poison entries, and one read per partition (so the same code runs on a
Redis Cluster, where one XREADGROUP cannot span the partitions' hash slots).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Sequence
from typing import Any

import structlog
from redis.exceptions import RedisError, ResponseError

from services.projections.decoding import describe
from services.projections.projector import MAX_DELIVERIES, Projector
from shared.redis_client import text
from shared.store import EventStore, keys

READ_COUNT = 200
BLOCK_MS = 1000
RECLAIM_IDLE_MS = 30_000

log = structlog.get_logger("projections")


def default_consumer() -> str:
    """``host-pid``: unique per worker process, and tells a later process on this host who died."""
    return f"{socket.gethostname()}-{os.getpid()}"



def _process_gone(consumer: str) -> bool:
    """True if ``consumer`` names a process of this host that no longer runs."""
    host, _, pid = consumer.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


async def _cancel(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until every one has ended.

    Cancelled again until they end: on Python 3.11, asyncio.wait_for (which redis-py 8.1 wraps
    around every command it sends, its default socket_timeout being 5 s) drops a cancellation
    that arrives as the wrapped write completes, and the task carries on.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)


class Worker:
    """Consumes every partition log (one read task and one reclaim task each) into the case views."""

    def __init__(
        self,
        store: EventStore,
        *,
        consumer: str | None = None,
        partitions: Sequence[int] | None = None,
        count: int = READ_COUNT,
        block_ms: int = BLOCK_MS,
        reclaim_idle_ms: int = RECLAIM_IDLE_MS,
        max_deliveries: int = MAX_DELIVERIES,
        give_up_after: int | None = None,
        group: str = keys.PROJECTIONS_GROUP,
    ) -> None:
        self.store = store
        self.consumer = consumer or default_consumer()
        self.partitions = list(range(store.partitions) if partitions is None else partitions)
        self.count = count
        self.block_ms = block_ms
        self.reclaim_idle_ms = reclaim_idle_ms
        self.group = group
        self.projector = Projector(
            store, self.consumer, group=group, max_deliveries=max_deliveries, give_up_after=give_up_after
        )
        self._stopping = asyncio.Event()
        self.failures = 0
        """Loop iterations that failed (Redis unreachable, group gone, a bug) and were retried."""

    async def ensure_groups(self) -> None:
        """Create the projections group at 0 (the whole log) on every partition, if it is not there."""
        for p in self.partitions:
            await self._ensure_group(p)

    async def _ensure_group(self, partition: int) -> None:
        try:
            await self.store.redis.xgroup_create(self.store.keys(partition).log, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def stop(self) -> None:
        """Ask the loops to finish their current batch and end."""
        self._stopping.set()

    async def run(self) -> None:
        """Run until ``stop()`` (or cancellation); never ends on a bad entry or a lost connection."""
        try:
            await self.ensure_groups()
        except RedisError as exc:  # the loops create a missing group once Redis answers again
            log.warning("could not create the projections groups yet", error=describe(exc))
        log.info("projections worker started", consumer=self.consumer, partitions=len(self.partitions))
        tasks = [asyncio.create_task(self._consume(p), name=f"consume-{p}") for p in self.partitions]
        tasks += [asyncio.create_task(self._reclaim(p), name=f"reclaim-{p}") for p in self.partitions]
        try:
            await self._stopping.wait()
            # Loops end after their current read (at most block_ms) and batch; then stop waiting.
            await asyncio.wait(tasks, timeout=self.block_ms / 1000 + 5)
        finally:
            await _cancel(tasks)
            log.info("projections worker stopped", consumer=self.consumer, **self._stats())

    def _stats(self) -> dict[str, int]:
        s = self.projector.stats
        return {"events": s.events, "written": s.written, "acked": s.acked, "parked": s.parked}

    async def _consume(self, partition: int) -> None:
        """Read new entries of one partition log and apply them, batch after batch.

        After a failure, this consumer's own pending entries are read again first (id 0): a read
        whose reply was lost, or a batch cut short when Redis went away, leaves entries pending for
        this live consumer, which the reclaim loop would only take after ``reclaim_idle_ms``.
        """
        stream = self.store.keys(partition).log
        failures = 0
        own = False
        while not self._stopping.is_set():
            try:
                if own:
                    await self._resume_own(partition)
                    own = False
                reply: Any = await self.store.redis.xreadgroup(
                    self.group, self.consumer, {stream: ">"}, count=self.count, block=self.block_ms
                )
                for _, entries in reply or []:
                    if entries:
                        await self.projector.handle(partition, entries)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never die: a lost group is recreated, anything else retried
                failures += 1
                own = True
                await self._recover(partition, exc, failures)

    async def _resume_own(self, partition: int) -> None:
        """Apply this consumer's own pending entries, one pass over its pending list (page by page)."""
        stream = self.store.keys(partition).log
        after: Any = "0"
        while True:
            reply: Any = await self.store.redis.xreadgroup(
                self.group, self.consumer, {stream: after}, count=self.count
            )
            page = [(entry_id, fields) for _, batch in reply or [] for entry_id, fields in batch]
            entries = [(entry_id, fields) for entry_id, fields in page if fields]
            if entries:
                log.info("resuming own pending entries", partition=partition, entries=len(entries))
                await self.projector.handle(partition, entries, reclaimed=True)
            if len(page) < self.count:
                return
            after = page[-1][0]

    async def _reclaim(self, partition: int) -> None:
        """Claim and apply entries another consumer left pending longer than the minimum idle time."""
        stream = self.store.keys(partition).log
        every = min(max(self.reclaim_idle_ms / 2, 20), 5000) / 1000
        failures = 0
        first = True
        while not self._stopping.is_set():
            try:
                if first:
                    await self._claim_from_dead(partition)
                    first = False
                start: Any = "0-0"
                while True:
                    reply: Any = await self.store.redis.xautoclaim(
                        stream, self.group, self.consumer, self.reclaim_idle_ms, start, count=self.count
                    )
                    start, claimed = reply[0], reply[1]
                    live = [(entry_id, fields) for entry_id, fields in claimed if entry_id is not None]
                    if live:
                        await self.projector.handle(partition, live, reclaimed=True)
                    if text(start) == "0-0":
                        break
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                await self._recover(partition, exc, failures)
                continue
            await self._pause(every)

    async def _claim_from_dead(self, partition: int) -> None:
        """At start, take over at once what a crashed worker process of this host left pending."""
        stream = self.store.keys(partition).log
        consumers: Any = await self.store.redis.xinfo_consumers(stream, self.group)
        for info in consumers:
            name = text(info["name"])
            if not _process_gone(name):
                continue
            while True:
                pending: Any = await self.store.redis.xpending_range(
                    stream, self.group, min="-", max="+", count=self.count, consumername=name
                )
                if not pending:
                    break
                ids = [p["message_id"] for p in pending]
                claimed: Any = await self.store.redis.xclaim(stream, self.group, self.consumer, 0, ids)
                live = [(entry_id, fields) for entry_id, fields in claimed if entry_id is not None]
                if live:
                    await self.projector.handle(partition, live, reclaimed=True)
                gone = set(map(text, ids)) - {text(entry_id) for entry_id, _ in live}
                if gone:  # entries no longer in the log: nothing to apply, drop them from the pending list
                    await self.store.redis.xack(stream, self.group, *gone)
            await self.store.redis.xgroup_delconsumer(stream, self.group, name)
            log.info("took over a dead worker's entries", partition=partition, consumer=name)

    async def _recover(self, partition: int, exc: Exception, failures: int) -> None:
        self.failures += 1
        if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
            log.warning("projections group missing; creating it again at 0", partition=partition)
            try:
                await self._ensure_group(partition)
            except RedisError as again:
                log.warning("could not create the group", partition=partition, error=str(again))
        else:
            log.error("projections loop failed; retrying", partition=partition, error=describe(exc), failures=failures)
        await self._pause(min(0.05 * 2 ** min(failures, 6), 3.0))

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

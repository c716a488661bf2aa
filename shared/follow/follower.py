"""The log follower: one consumer of a group on every partition log, handing batches to a handler.

Plain redis-py, not FastStream (ADR 0002): FastStream 0.7 creates groups at ``$``, never
redelivers an entry whose handler raised, and reads every stream with one position. Here, per
partition (one read per partition, so it runs unchanged on a Redis Cluster), one task:

- creates the group at ``0`` (the whole log), again if it vanished;
- sweeps every ``reclaim_idle_ms / 2`` (at start first): XAUTOCLAIMs what any consumer left pending
  that long, then forgets departed consumers through shared/intake/consumers.py's checked script
  (idle and holding nothing: never judged by name, pid or host);
- hands entries again whose retry is due (``pending.py``); after a failure of the loop itself (Redis
  gone, group gone), first every entry this consumer holds;
- reads new entries (``>``) in batches and hands them to the handler.

With ``leases`` (``leases.py``, ADR 0022) the workers of a group divide the partitions: a loop follows its
partition only while this worker holds the partition's lease; on taking it, it first takes over every entry
the group's other consumers left pending there (and again at each sweep: a former holder's late reads),
and hands each batch the lease's fence, which the handler's writes check.

Each entry is isolated (batch.py): one that fails is retried with backoff while the rest are acked,
and parked with its reason once delivered ``max_deliveries`` times; later entries of its case (``key``)
wait behind it. ``give_up_after``: entries delivered more often are parked without being handed
(consumers died on them); None leaves that to a handler that parks entries itself (the projections).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.follow.batch import (
    REDIS_FAILURES,
    Batch,
    CaseKey,
    Delivery,
    EntryHandler,
    Handler,
    Outcome,
    describe,
    one_at_a_time,
)
from shared.follow.claims import Reply, cancel, claim_again, stream_entries
from shared.follow.fencing import LeaseLost
from shared.follow.leases import Leases
from shared.follow.parking import Parking
from shared.follow.pending import Schedule
from shared.intake.consumers import IDLE_BEFORE_FORGOTTEN_MS, forget_departed
from shared.redis_client import text
from shared.store.keys import PartitionKeys
from shared.store.port import EventStorePort


@dataclass(slots=True)
class Stats:
    """What the follower did so far (logs and tests wait on these)."""

    handed: int = 0
    acked: int = 0
    retried: int = 0
    reclaimed: int = 0
    sweeps: int = 0
    """Sweeps finished on any partition (the first one of each runs at start)."""
    failures: int = 0
    """Loop iterations that failed (Redis unreachable, group gone, a bug) and were recovered."""


class Follower:
    """Follows one group's partition logs as one consumer and hands every entry to ``handler``."""

    def __init__(
        self, redis: Redis, store: EventStorePort, group: str, consumer: str, handler: Handler, *,
        partitions: Sequence[int] | None = None, key: CaseKey | None = None, count: int = 200,
        block_ms: int = 1000, reclaim_idle_ms: int = 30_000, max_deliveries: int = 5,
        give_up_after: int | None = None, forget_idle_ms: int = IDLE_BEFORE_FORGOTTEN_MS, service: str = "follower",
        leases: Leases | None = None,
    ) -> None:
        self.redis, self.store, self.group, self.consumer = redis, store, group, consumer
        self.handler, self.key = handler, key
        self.partitions = list(range(store.partitions) if partitions is None else partitions)
        self._logs = {p: PartitionKeys(p).log for p in self.partitions}
        self.count, self.block_ms, self.reclaim_idle_ms = count, block_ms, reclaim_idle_ms
        self.max_deliveries, self.give_up_after, self.forget_idle_ms = max_deliveries, give_up_after, forget_idle_ms
        self.parking = Parking(redis, group, consumer, service=service)
        self.stats = Stats()
        self.log = structlog.get_logger(service)
        # Retries wait at most half the reclaim idle time, so no other consumer takes them meanwhile.
        self._schedules = {p: Schedule(max_wait_s=reclaim_idle_ms / 2000) for p in self.partitions}
        self._sweep_every = min(max(reclaim_idle_ms / 2, 20), 5000) / 1000
        self.leases = leases
        if leases is not None:  # a former holder's late reads are taken over within a tick, not an idle time
            self._sweep_every = min(self._sweep_every, leases.tick_s)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Ask the loops to finish their current batch and end."""
        self._stopping.set()

    async def ensure_groups(self) -> None:
        """Create the group at 0 (the whole log) on every partition, if it is not there."""
        for p in self.partitions:
            await self._ensure_group(p)

    async def _ensure_group(self, partition: int) -> None:
        try:
            await self.redis.xgroup_create(self._logs[partition], self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run(self) -> None:
        """Follow every partition until ``stop()`` or cancellation; never ends on a bad entry or a lost Redis."""
        try:
            await self.ensure_groups()
        except Exception as exc:  # each loop creates its missing group once Redis answers (a cluster's "cannot be
            # connected" is no RedisError)
            self.log.warning(f"could not create the {self.group} groups yet", error=describe(exc))
        tasks = [asyncio.create_task(self._follow(p), name=f"{self.group}-{p}") for p in self.partitions]
        leasing, released = None, asyncio.Event()
        if self.leases is not None:
            leasing = asyncio.create_task(self.leases.run(released), name=f"{self.group}-leases")
        try:
            await self._stopping.wait()
            # Loops end after their current read (at most block_ms) and batch; then stop waiting.
            await asyncio.wait(tasks, timeout=self.block_ms / 1000 + 5)
        finally:
            await cancel(tasks)
            if leasing is not None:  # released only now, so no batch of this worker is still writing
                released.set()
                await asyncio.wait([leasing], timeout=5)
                await cancel([leasing])

    async def _follow(self, partition: int) -> None:
        failures, resume, next_sweep, serving = 0, False, 0.0, None
        while not self._stopping.is_set():
            try:
                if self.leases is not None:
                    self.leases.beat(partition)
                    fence = self.leases.fence(partition)
                    if fence is None:  # another worker's partition (or nobody's yet): look again soon
                        serving = None
                        await self._pause(self.leases.tick_s / 4)
                        continue
                    if fence != serving:
                        serving = fence
                        await self._take_lease(partition)
                if resume:
                    await self.resume_own(partition)
                    resume = False
                if time.monotonic() >= next_sweep:
                    await self.sweep(partition)
                    next_sweep = time.monotonic() + self._sweep_every
                await self.retry_due(partition)
                wait = min(next_sweep, self._schedules[partition].next_due()) - time.monotonic()
                await self.read(partition, block_ms=max(1, min(self.block_ms, int(wait * 1000))))
                failures = 0
            except asyncio.CancelledError:
                raise
            except LeaseLost as lost:
                assert self.leases is not None
                self.leases.lost(partition, lost.fence)
                self.log.warning(f"{self.group} lease lost; leaving the partition to its new holder",
                                 partition=partition, consumer=self.consumer)
            except Exception as exc:  # never die: a lost group is recreated, anything else retried
                failures += 1
                resume = True
                await self._recover(partition, exc, failures)

    async def read(self, partition: int, block_ms: int | None = None) -> int:
        """Read new entries of one partition (waiting up to ``block_ms``; None: not at all) and hand them."""
        log = self._logs[partition]
        reply: Reply = await self.redis.xreadgroup(
            self.group, self.consumer, {log: ">"}, count=self.count, block=block_ms
        )
        entries = [Delivery(text(entry_id), fields) for entry_id, fields in stream_entries(reply) if fields]
        await self.hand(partition, entries)
        return len(entries)

    async def _take_lease(self, partition: int) -> None:
        """This worker just took the partition's lease: start afresh, with every entry pending there."""
        self._schedules[partition] = Schedule(max_wait_s=self.reclaim_idle_ms / 2000)
        await self.resume_own(partition)
        await self.take_from_others(partition)

    async def take_from_others(self, partition: int) -> int:
        """Claim and hand every entry other consumers of the group hold in this partition, however recently they
        took it: under a lease, only its holder may handle the partition (their writes are fenced anyway)."""
        log, taken = self._logs[partition], 0
        summary: Any = await self.redis.xpending(log, self.group)
        others = [text(c["name"]) for c in summary.get("consumers") or [] if text(c["name"]) != self.consumer]
        for name in others:
            while True:
                page: Any = await self.redis.xpending_range(log, self.group, min="-", max="+", count=self.count,
                                                            consumername=name)
                if not page:
                    break
                claimed: Reply = await self.redis.xclaim(log, self.group, self.consumer, 0,
                                                         [text(p["message_id"]) for p in page])
                live = [(text(entry_id), f) for entry_id, f in claimed if entry_id is not None and f]
                gone = {text(p["message_id"]) for p in page} - {p for p, _ in live}
                if gone:  # deleted from the log meanwhile (XCLAIM drops them): nothing to hand
                    await self.redis.xack(log, self.group, *gone)
                counts = await self.parking.deliveries(partition, [p for p, _ in live])
                self.stats.reclaimed += len(live)
                taken += len(live)
                await self.hand(partition, [Delivery(p, f, counts.get(p, 1)) for p, f in live])
        return taken

    async def sweep(self, partition: int) -> int:
        """Claim and hand what any consumer left pending over ``reclaim_idle_ms`` (under a lease: whatever others
        hold); forget departed consumers."""
        if self.leases is not None:
            claimed_total = await self.take_from_others(partition)
        else:
            claimed_total = await self._claim_idle(partition)
        log = self._logs[partition]
        for name in await forget_departed(self.redis, log, self.group, keep=self.consumer,
                                          idle_ms=self.forget_idle_ms):
            self.log.info("forgot a departed consumer", group=self.group, partition=partition, consumer=name)
        self.stats.sweeps += 1
        return claimed_total

    async def _claim_idle(self, partition: int) -> int:
        """XAUTOCLAIM and hand whatever any consumer left pending over ``reclaim_idle_ms``; how many."""
        log, start, claimed_total = self._logs[partition], "0-0", 0
        while True:
            reply: Reply = await self.redis.xautoclaim(
                log, self.group, self.consumer, self.reclaim_idle_ms, start, count=self.count
            )
            start, claimed = text(reply[0]), reply[1]
            live = [(text(entry_id), fields) for entry_id, fields in claimed if entry_id is not None and fields]
            if live:
                claimed_total += len(live)
                self.stats.reclaimed += len(live)
                counts = await self.parking.deliveries(partition, [position for position, _ in live])
                await self.hand(partition, [Delivery(p, f, counts.get(p, 1)) for p, f in live])
            if start == "0-0":
                return claimed_total

    async def resume_own(self, partition: int) -> None:
        """Hand again, now, every entry this consumer holds (a read whose reply was lost, a batch cut short)."""
        log = self._logs[partition]
        after = "-"
        while True:
            page: Reply = await self.redis.xpending_range(
                log, self.group, min=after, max="+", count=self.count, consumername=self.consumer
            )
            self._schedules[partition].resume([text(p["message_id"]) for p in page])
            if len(page) < self.count:
                break
            after = f"({text(page[-1]['message_id'])}"
        await self.retry_due(partition)

    async def retry_due(self, partition: int) -> int:
        """Hand again this consumer's entries whose retry is due, in log order; returns how many."""
        schedule = self._schedules[partition]
        due = schedule.due()
        if not due:
            return 0
        owners = await self.parking.pending(partition, due)
        mine = [p for p in due if owners.get(p, ("", 0))[0] == self.consumer]
        schedule.forget(set(due) - set(mine))  # acked, deleted, or taken over by another consumer meanwhile
        failed = [p for p in mine if schedule.counts(p)]
        waiting = [p for p in mine if not schedule.counts(p)]
        fields = await claim_again(self.redis, self._logs[partition], self.group, self.consumer, failed, waiting)
        gone = [p for p in mine if p not in fields]
        if gone:  # no longer in the log: nothing to hand
            await self.redis.xack(self._logs[partition], self.group, *gone)
            schedule.forget(gone)
        entries = [Delivery(p, fields[p], owners[p][1] + (p in failed)) for p in mine if p in fields]
        await self.hand(partition, entries)
        return len(entries)

    async def hand(self, partition: int, entries: Sequence[Delivery]) -> None:
        """Hand entries (in log order) to the handler, and settle each as its outcome says."""
        if not entries:
            return
        self.stats.handed += len(entries)
        schedule, outcome = self._schedules[partition], Outcome()
        handing = {entry.position for entry in entries}
        todo = []
        fence = self._fence(partition)
        for entry in entries:
            if self.give_up_after is not None and entry.deliveries > self.give_up_after:
                await self.parking.park(partition, entry.position, f"delivered {entry.deliveries} times without being "
                                        "finished (the consumers that took it died?)", case_id=self._key(entry),
                                        deliveries=entry.deliveries, fence=fence)
            elif schedule.holds(self._key(entry), entry.position, handing):  # an earlier entry of its case waits
                outcome.waiting.add(entry.position)
            else:
                todo.append(entry)
        batch = Batch(partition, todo, self.parking, self.max_deliveries, fence, self._progress(partition))
        try:
            answer = await self.handler(batch) if todo else None
        except REDIS_FAILURES:
            raise
        except Exception as exc:
            self.log.warning("a batch failed; handing its entries one at a time", group=self.group,
                             partition=partition, entries=len(todo), error=describe(exc))
            answer = await one_at_a_time(batch, self._alone_under(fence), self.key)
        if answer is not None:
            outcome.add(answer)
        await self._settle(partition, entries, outcome, fence)

    def _alone_under(self, fence: str | None) -> EntryHandler:
        """Hands one entry of a failed batch, under the batch's own lease: never without one (the write would go
        unchecked), nor under a newer one this worker took meanwhile (the partition was another's in between)."""

        async def alone(partition: int, entry: Delivery) -> Outcome | None:
            self._check_fence(partition, fence)
            batch = Batch(partition, [entry], self.parking, self.max_deliveries, fence, self._progress(partition))
            return await self.handler(batch)

        return alone

    def _check_fence(self, partition: int, fence: str | None) -> None:
        """Raise LeaseLost unless this worker still holds the lease ``fence`` on the partition (no-op without)."""
        if self.leases is not None and (fence is None or self.leases.fence(partition) != fence):
            raise LeaseLost(partition, fence)

    def _progress(self, partition: int) -> Callable[[], None] | None:
        leases = self.leases
        return None if leases is None else lambda: leases.beat(partition)

    async def _settle(
        self, partition: int, entries: Sequence[Delivery], outcome: Outcome, fence: str | None = None
    ) -> None:
        """Ack what is done, park what failed too often, and schedule the retry of the rest."""
        schedule, done = self._schedules[partition], []
        for entry in entries:
            position, case = entry.position, self._key(entry)
            if position in outcome.acked:
                schedule.forget([position])
            elif position in outcome.failed:
                reason = outcome.failed[position]
                if entry.deliveries >= self.max_deliveries:
                    self._check_fence(partition, fence)
                    await self.parking.park(partition, position, reason, case_id=case, deliveries=entry.deliveries,
                                            fence=fence)
                    schedule.release(position)  # its case goes on behind it
                    done.append(position)
                else:
                    schedule.fail(position, case, entry.deliveries)
                    self.stats.retried += 1
                    self.log.warning("log entry not handled; it will be retried", group=self.group,
                                     partition=partition, position=position, case_id=case,
                                     deliveries=entry.deliveries, reason=reason)
            elif position in outcome.waiting:
                schedule.wait(position, case)
            else:
                schedule.forget([position])
                done.append(position)
        if done:
            await self.redis.xack(self._logs[partition], self.group, *done)
            self.stats.acked += len(done)

    def _fence(self, partition: int) -> str | None:
        """The lease held on the partition, which this batch is handled under (None without leases); raises
        LeaseLost if none is held: nothing is handed, nor parked, without one."""
        if self.leases is None:
            return None
        fence = self.leases.fence(partition)
        if fence is None:
            raise LeaseLost(partition)
        return fence

    def _key(self, entry: Delivery) -> str | None:
        return self.key(entry) if self.key is not None else None

    async def _recover(self, partition: int, exc: Exception, failures: int) -> None:
        self.stats.failures += 1
        if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
            # The messages name the group first: operators (and the fault suite) grep for them.
            self.log.warning(f"{self.group} group missing; creating it again at 0", partition=partition)
            with contextlib.suppress(RedisError):
                await self._ensure_group(partition)
        else:
            self.log.error(f"{self.group} loop failed; retrying", partition=partition, error=describe(exc),
                           failures=failures)
        await self._pause(min(0.05 * 2 ** min(failures, 6), 3.0))

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

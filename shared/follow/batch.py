"""What a log follower hands its handler (a batch of deliveries) and what the handler answers (an ``Outcome``).

A handler either finishes a batch whole or says, per entry, what became of it. It never has to ack:
the follower acks every entry the outcome does not name. A handler that writes its results and its
acks in one script (the projections) names those entries ``acked``, so they stay atomic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from shared.follow.fencing import LeaseLost

if TYPE_CHECKING:
    from shared.follow.parking import Parking

REDIS_FAILURES = (RedisError, OSError, LeaseLost)
"""Failures that say nothing about an entry: the follower's loop recovers (or, for a lost lease, lets the
partition go) and the entries are handed again."""


def describe(exc: BaseException) -> str:
    """A one-line reason naming the error, for the parked record and the logs."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class Delivery:
    """One log entry handed to the handler."""

    position: str
    fields: dict[bytes, bytes]
    deliveries: int = 1
    """Times the group handed this entry out, this time included (1 on its first read)."""


@dataclass(slots=True)
class Outcome:
    """What became of a batch's entries; an entry it does not name is done, and the follower acks it."""

    acked: set[str] = field(default_factory=set)
    """Done, and acknowledged by the handler itself (in the script that wrote its result)."""
    failed: dict[str, str] = field(default_factory=dict)
    """Position -> why it failed: retried with backoff, parked once delivered ``max_deliveries`` times."""
    waiting: set[str] = field(default_factory=set)
    """Not finished through no fault of its own (an earlier entry of its case failed): retried, never parked."""

    def add(self, other: Outcome) -> None:
        """Take in the outcome of part of the batch."""
        self.acked |= other.acked
        self.failed |= other.failed
        self.waiting |= other.waiting


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries of one partition log, in log order, with the follower's parking store and delivery counts."""

    partition: int
    entries: Sequence[Delivery]
    parking: Parking
    max_deliveries: int
    """A handler that parks entries itself parks one that fails on this delivery (the follower would, after)."""
    fence: str | None = None
    """The partition's lease this follower holds (``shared/follow/leases.py``), for a handler's writes to check;
    None when the follower runs without leases."""
    progress: Callable[[], None] | None = None
    """Tells the leases the partition's loop still moves (``beat``)."""

    def beat(self) -> None:
        """Say the batch is making progress: a long batch that beats is not taken for a hung one (ADR 0022)."""
        if self.progress is not None:
            self.progress()

    async def park(self, position: str, reason: str, *, case_id: str | None = None, version: int | None = None,
                   deliveries: int | None = None) -> None:
        """Park one entry of this partition (the handler acks it, or leaves it to the follower)."""
        await self.parking.park(self.partition, position, reason, case_id=case_id, version=version, fence=self.fence,
                                deliveries=deliveries)

    async def is_parked(self, position: str) -> bool:
        """True if an entry of this partition was parked (by this consumer or any other)."""
        return await self.parking.is_parked(self.partition, position)

    async def deliveries(self, positions: Collection[str]) -> dict[str, int]:
        """Times the group handed out each of these entries (absent: no longer pending)."""
        return await self.parking.deliveries(self.partition, positions)


Handler = Callable[[Batch], Awaitable[Outcome | None]]
"""Handles a batch; None means every entry is done. An exception fails the batch: its entries are then
handed one at a time, so only the one that raises is retried."""

EntryHandler = Callable[[int, Delivery], Awaitable[Outcome | None]]
"""Handles one entry of a partition; raises to fail it (or answers for it, as a batch handler does)."""

CaseKey = Callable[[Delivery], str | None]
"""The case an entry belongs to (None: it is ordered with nothing): entries of one case are handled in log order."""


def per_entry(handle: EntryHandler, key: CaseKey | None = None) -> Handler:
    """A batch handler that hands the entries one at a time, isolating each (see ``one_at_a_time``)."""

    async def handler(batch: Batch) -> Outcome:
        return await one_at_a_time(batch, handle, key)

    return handler


async def one_at_a_time(
    batch: Batch, handle: EntryHandler, key: CaseKey | None, held: Collection[str] = ()
) -> Outcome:
    """Hand the entries one at a time in log order: one that raises fails with its reason, and the later
    entries of its case (and of the cases in ``held``) wait behind it while other cases go on."""
    outcome = Outcome()
    stopped = set(held)
    for entry in batch.entries:
        case = key(entry) if key is not None else None
        if case is not None and case in stopped:
            outcome.waiting.add(entry.position)
            continue
        try:
            answer = await handle(batch.partition, entry)
        except REDIS_FAILURES:
            raise
        except Exception as exc:
            outcome.failed[entry.position] = describe(exc)
            if case is not None:
                stopped.add(case)
            continue
        if answer is not None:
            outcome.add(answer)
    return outcome

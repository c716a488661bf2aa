"""Apply one batch of delivered log entries of a partition to the case views (ADR 0013).

Per batch: read each entry's case and version; load the stored views of those cases in one
round trip; fold each case's entries in version order — an older one is skipped, a gap is
filled by reading the case from the store; then write every changed view, its case update
and the acknowledgement of the entries it covers in one script call. The script refuses a
view whose stored version moved meanwhile (another worker got there first): that case is
re-read and folded again. An entry that cannot be applied stays pending, and the outcome tells
the log follower (shared/follow) why, so it retries it with backoff; on its ``max_deliveries``-th
delivery it is parked in the follower's parking store (the partition's ``parked`` hash) with its
reason, its case's view is marked stale, and the case goes on past it in the same write.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis

from services.projections.view_store import Stored, ViewStore, Write
from shared.append_metrics import VIEW_WRITES
from shared.follow import Batch, Outcome
from shared.logging import bound
from shared.readmodel.decoding import describe, read_event, read_head
from shared.readmodel.fold import Fold, ViewEvent
from shared.store import RecordedEvent, keys
from shared.store.port import EventStorePort

MAX_DELIVERIES = 5
KNOWN_VIEWS = 10_000
"""Views kept in memory after writing them, so the next batch of the case need not read them back."""
WRITE_ATTEMPTS = 5
"""Times a case refused by the write script (another worker moved it) is re-read and folded again."""

NO_VIEW = Stored(version=0, view=None, digest="")
"""A case with no view stored (the write script compares against exactly that)."""

log = structlog.get_logger("projections")


@dataclass(slots=True)
class Entry:
    """A delivered log entry: its position, the record, and the case and version it claims."""

    position: str
    record: RecordedEvent | None
    case_id: str | None = None
    version: int = 0
    problem: str | None = None
    """Why the entry cannot be attributed to a case of this partition (then it is parked in time)."""
    event: ViewEvent | None = None
    """The decoded event, when it decodes (decoded once, on delivery)."""
    deliveries: int = 1
    """Times the group handed it out, this time included."""


@dataclass(slots=True)
class Stats:
    """What the batches did so far (for logs and tests)."""

    batches: int = 0
    events: int = 0
    written: int = 0
    acked: int = 0
    parked: int = 0
    refused: int = 0
    left_pending: int = 0


_Candidate = tuple[RecordedEvent, int, Entry | None, bool]
"""An event to fold: its record, its version, its delivered entry if this batch holds it, and
whether it was delivered so often that workers probably died on it (then it is not tried)."""


@dataclass(slots=True)
class _CaseRun:
    fold: Fold
    entries: list[Entry]
    stored: Stored
    acks: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Delivered entries of the case that could not be applied (not yet retried enough), with why."""


def parse_entry(
    store: EventStorePort, partition: int, entry_id: bytes | str, fields: dict[bytes, bytes], deliveries: int = 1
) -> Entry:
    """Read the case and version of a delivered entry without decoding the whole event."""
    position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    try:
        record = RecordedEvent.from_entry(partition, entry_id, fields)
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        return Entry(position, None, problem=f"malformed log entry ({describe(exc)})", deliveries=deliveries)
    event: ViewEvent | None
    try:
        event = read_event(record.data)
    except Exception:  # the fold tries again and parks it with the reason; here only its case matters
        event = None
        head = read_head(record.data)
    else:
        head = event.case_id, event.case_version
    if head is None:
        return Entry(position, record, problem="the event is not JSON with a case_id and a case_version",
                     deliveries=deliveries)
    case_id, version = head
    home = store.partition_of(case_id)
    if home != partition:
        return Entry(position, record, case_id, version, f"case {case_id} lives in partition {home}, not {partition}",
                     deliveries=deliveries)
    return Entry(position, record, case_id, version, event=event, deliveries=deliveries)


class Projector:
    """Folds delivered entries into the views of one store, as one consumer of the projections group."""

    def __init__(
        self,
        redis: Redis,
        store: EventStorePort,
        consumer: str,
        *,
        group: str = keys.PROJECTIONS_GROUP,
        max_deliveries: int = MAX_DELIVERIES,
        give_up_after: int | None = None,
        views: ViewStore | None = None,
    ) -> None:
        self.store = store
        self.consumer = consumer
        self.group = group
        self.max_deliveries = max_deliveries
        self.give_up_after = 2 * max_deliveries if give_up_after is None else give_up_after
        """Deliveries after which a pending event is parked without being tried (workers died on it)."""
        self.views = views or ViewStore(redis, group)
        self.stats = Stats()
        self._known: dict[str, Stored] = {}
        """Views this projector wrote last, by case (insertion order is recency: the oldest go first)."""
        self._folds: dict[str, Fold] = {}
        """The fold each remembered view was frozen from: the next batch of the case goes on folding it rather
        than thawing the view again (a tenth of the worker's CPU, docs/benchmarks.md)."""

    async def handle(self, batch: Batch) -> Outcome:
        """Apply one batch of a partition and ack, in the view-write script, what it covered.

        The outcome names the entries acked, the ones that failed (with why; the follower retries
        them) and, as waiting, the rest (behind a failed event of their case, or refused too often).
        """
        partition = batch.partition
        entries = [
            parse_entry(self.store, partition, d.position, d.fields, d.deliveries) for d in batch.entries
        ]
        hot = {e.position for e in entries if e.deliveries > self.give_up_after}
        self.stats.batches += 1
        outcome = Outcome()
        by_case: dict[str, list[Entry]] = {}
        acks_only: list[str] = []
        for entry in entries:
            if entry.problem is not None or entry.case_id is None:
                if await self._unattributable(batch, entry):
                    acks_only.append(entry.position)
                else:
                    outcome.failed[entry.position] = entry.problem or "unreadable"
            else:
                by_case.setdefault(entry.case_id, []).append(entry)
        writes = [Write(case_id="", base=0, view=None, acks=acks_only)] if acks_only else []
        todo = by_case
        for attempt in range(WRITE_ATTEMPTS):
            stored = await self._stored(partition, todo, fresh=attempt > 0)
            runs = {}
            for case in todo:
                runs[case] = await self._advance(batch, case, stored[case], todo[case], hot)
                batch.beat()  # a long batch (gap fills) is progress, not a hung loop (ADR 0022)
            writes += [
                Write(case_id, run.stored.version, run.fold.view() if run.fold.changed else None, run.acks,
                      digest=run.stored.digest)
                for case_id, run in runs.items()
                if run.fold.changed or run.acks
            ]
            with VIEW_WRITES.timed():  # exported by the gateway as liaison_view_write_seconds
                refused = await self.views.write(partition, writes, batch.fence)
            self._count(writes, refused)
            self._remember(writes, refused, {case_id: run.fold for case_id, run in runs.items()})
            outcome.acked.update(a for w in writes if w.case_id not in refused for a in w.acks)
            outcome.failed.update(f for case, run in runs.items() if case not in refused for f in run.failed.items())
            if not refused:
                break
            log.info("views moved by another worker; folding again", partition=partition, cases=len(refused),
                     attempt=attempt + 1)
            todo = {case_id: todo[case_id] for case_id in refused}
            writes = []
        else:
            self.stats.left_pending += sum(len(v) for v in todo.values())
        outcome.waiting = {e.position for e in entries} - outcome.acked - set(outcome.failed)
        return outcome

    async def _stored(self, partition: int, todo: dict[str, list[Entry]], *, fresh: bool) -> dict[str, Stored]:
        """The cases' stored views: from this projector's memory when it wrote them last, else read.

        A remembered view may be stale (another worker moved the case since): the write script
        then refuses the write, and the case is folded again on the view read ``fresh`` from Redis.
        A case this projector does not know whose batch begins at version 1, delivered for the first
        time, is taken to have no view yet, without a read (a new case, most often): if it has one,
        the script refuses the write just the same. A redelivered batch is read first, so an entry
        delivered too often is never parked for a view that already holds it.
        """
        case_ids = list(todo)
        if fresh:
            for case_id in case_ids:
                self._known.pop(case_id, None)
                self._folds.pop(case_id, None)
        found = {case_id: self._known[case_id] for case_id in case_ids if case_id in self._known}
        if not fresh:
            found.update({case_id: NO_VIEW for case_id in case_ids if case_id not in found
                          and min(e.version for e in todo[case_id]) == 1
                          and all(e.deliveries == 1 for e in todo[case_id])})
        missing = [case_id for case_id in case_ids if case_id not in found]
        if missing:
            found.update(await self.views.stored(partition, missing))
        return found

    def _remember(self, writes: Sequence[Write], refused: set[str], folds: dict[str, Fold]) -> None:
        """Keep the views just written, and the folds they came from (most recent last); forget those another worker
        moved."""
        for w in writes:
            if w.case_id in refused:
                self._known.pop(w.case_id, None)
                self._folds.pop(w.case_id, None)
            elif w.view is not None:
                self._known.pop(w.case_id, None)
                self._known[w.case_id] = Stored(version=w.view.version, view=w.view, digest=w.written)
                fold = folds.get(w.case_id)
                if fold is not None and fold.view() is w.view:
                    self._folds[w.case_id] = fold
        while len(self._known) > KNOWN_VIEWS:
            oldest = next(iter(self._known))
            del self._known[oldest]
            self._folds.pop(oldest, None)

    def _fold_for(self, case_id: str, stored: Stored) -> Fold:
        """A fold that starts at the stored view: the one that froze it, if this projector kept it, else a new one.

        A kept fold is taken out until its next write succeeds: a batch that fails half-way leaves none behind.
        """
        kept = self._folds.pop(case_id, None)
        if kept is not None and stored.view is not None and kept.view() is stored.view:
            kept.changed = False  # changed since the view this batch starts from
            return kept
        return Fold(stored.view, case_id)

    def _count(self, writes: Sequence[Write], refused: set[str]) -> None:
        for w in writes:
            if w.case_id in refused:
                self.stats.refused += 1
                continue
            self.stats.acked += len(w.acks)
            if w.view is not None:
                self.stats.written += 1

    async def _advance(
        self, batch: Batch, case_id: str, stored: Stored, entries: list[Entry], hot: Collection[str]
    ) -> _CaseRun:
        """Fold a case's delivered entries onto its stored view; fill a gap from the store."""
        run = _CaseRun(self._fold_for(case_id, stored), sorted(entries, key=lambda e: e.version), stored)
        needed = [e for e in run.entries if e.version > run.fold.version]
        contiguous = all(e.version == run.fold.version + 1 + i for i, e in enumerate(needed))
        candidates: list[_Candidate]
        if contiguous:
            candidates = [(e.record, e.version, e, e.position in hot) for e in needed if e.record is not None]
        else:
            candidates = await self._fill(batch, run, needed)
        for record, version, delivered, worn_out in candidates:
            if not await self._fold_one(batch, run, record, version, delivered, worn_out):
                break
        self.stats.left_pending += sum(1 for e in needed if e.version > run.fold.version)
        run.acks = [e.position for e in run.entries if e.version <= run.fold.version]
        return run

    async def _fill(self, batch: Batch, run: _CaseRun, needed: list[Entry]) -> list[_Candidate]:
        """The case's events from the view's next version on, read from the store (ADR 0013's gap fill)."""
        delivered = {e.position: e for e in needed}
        start = run.fold.version + 1
        try:
            records = await self.store.read_case(run.fold.case_id, from_version=start)
        except Exception as exc:  # Redis went away, or an entry of the case is malformed
            if needed and needed[0].deliveries >= self.max_deliveries:
                # Retried enough: go on with what was delivered; the gaps make the view stale.
                log.error("gap fill failed; folding the delivered events alone", case_id=run.fold.case_id,
                          partition=batch.partition, error=describe(exc))
                return [(e.record, e.version, e, False) for e in needed if e.record is not None]
            log.warning("gap fill failed; will retry", case_id=run.fold.case_id, partition=batch.partition,
                        error=describe(exc))
            if needed:
                run.failed[needed[0].position] = f"gap fill failed: {describe(exc)}"
            return []
        # An event of the gap that workers keep dying on is not tried here either: one delivered more
        # than give_up_after times (an event that kills the worker never reaches _failed's parking).
        counts = await batch.deliveries([r.position for r in records])
        candidates: list[_Candidate] = [
            (r, start + i, delivered.get(r.position), counts.get(r.position, 0) > self.give_up_after)
            for i, r in enumerate(records)
        ]
        # Delivered entries the case index does not list (a log written around the append script)
        # are still folded, after the indexed ones, so live views and rebuilds agree.
        listed = {r.position for r in records}
        candidates += [(e.record, e.version, e, False) for e in needed if e.position not in listed and e.record]
        return candidates

    async def _fold_one(
        self, batch: Batch, run: _CaseRun, record: RecordedEvent, version: int, delivered: Entry | None,
        worn_out: bool,
    ) -> bool:
        """Fold one recorded event (``delivered``: its entry, if this batch holds it); False if the case must wait."""
        fold = run.fold
        if worn_out and version > fold.version:
            return await self._failed(
                batch, run, record, version, delivered, "delivered again and again without being finished "
                "(the workers that took it died?)", at_once=True,
            )
        try:
            decoded = delivered.event if delivered is not None else None
            event = decoded if decoded is not None else read_event(record.data)
        except Exception as exc:
            return await self._failed(batch, run, record, version, delivered, describe(exc))
        if event.case_id != fold.case_id:
            return await self._failed(
                batch, run, record, version, delivered, f"the event belongs to case {event.case_id}"
            )
        if event.case_version <= fold.version:
            return True
        if event.case_version > fold.version + 1:
            # The log has no readable entry for the versions in between (the store listed none):
            # the view goes on without them, marked stale, exactly as a rebuild does.
            fold.skip_to(event.case_version - 1)
        try:
            fold.apply(event)
        except Exception as exc:
            with bound(event_id=event.event_id):
                return await self._failed(batch, run, record, event.case_version, delivered, describe(exc))
        self.stats.events += 1
        return True

    async def _failed(
        self, batch: Batch, run: _CaseRun, record: RecordedEvent, version: int, delivered: Entry | None,
        reason: str, *, at_once: bool = False,
    ) -> bool:
        """An event of the case cannot be applied: skip it if parked, park it if retried enough, else wait.

        Parked here, not by the follower, so the case goes on past it in this very write.
        """
        # Every line about this case's event names it. Bound here, on the rare failure, not around
        # every fold: binding per case and batch cost a tenth of the worker's CPU (docs/benchmarks.md).
        fold = run.fold
        with bound(case_id=fold.case_id):
            if await batch.is_parked(record.position):
                fold.skip_to(version)
                return True
            if delivered is not None:
                if at_once or delivered.deliveries >= self.max_deliveries:
                    await batch.park(record.position, reason, case_id=fold.case_id, version=version,
                                     deliveries=delivered.deliveries)
                    self.stats.parked += 1
                    fold.skip_to(version)
                    return True
                log.warning("event not applied; it will be retried", partition=batch.partition,
                            position=record.position, case_id=fold.case_id, version=version,
                            deliveries=delivered.deliveries, reason=reason)
                run.failed[record.position] = reason
            return False

    async def _unattributable(self, batch: Batch, entry: Entry) -> bool:
        """An entry with no case of this partition: park it once retried enough; True if it may be acked."""
        if await batch.is_parked(entry.position):
            return True
        if entry.deliveries < self.max_deliveries:
            log.warning("unreadable log entry; it will be retried", partition=batch.partition,
                        position=entry.position, deliveries=entry.deliveries, reason=entry.problem)
            self.stats.left_pending += 1
            return False
        await batch.park(entry.position, entry.problem or "unreadable", case_id=entry.case_id,
                         version=entry.version, deliveries=entry.deliveries)
        self.stats.parked += 1
        return True

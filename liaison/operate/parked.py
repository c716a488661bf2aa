"""``liaison parked``: the log entries the projections parked, and re-applying them once the cause is fixed.

A projection parks an entry it could not apply after its retries (services/projections/projector.py):
the entry's case goes on without it and its view is marked stale. The log never changes, so a parked
entry becomes applicable only when the code reading it does (a fixed fold rule, a new upcaster).
``--retry`` then folds the entry's case again from its first event with the code of this process,
writes the view (no longer stale if every event now applies) through the projections' own view
script (which refuses the write if a worker moved the view meanwhile; then it folds again), and
un-parks every entry of the case that now applies. An entry that still fails stays parked, and the
command says why. The script compares the stored view's digest as well as its version, so a worker
still holding the case's old (stale) view in memory cannot fold its next event over the repair: its
write is refused, and it reads the repaired view and folds again.

IDs are ``<partition>:<log position>`` as listed; a bare position is accepted when only one
partition has it parked.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import msgspec
from redis.asyncio import Redis

from liaison import exits
from liaison.connect import open_redis, open_store
from services.projections.projector import parse_entry
from services.projections.view_store import ViewStore, Write
from shared.readmodel.decoding import describe, read_event, read_head
from shared.readmodel.fold import CaseView, Fold
from shared.redis_client import text
from shared.store import RecordedEvent
from shared.store.keys import PartitionKeys
from shared.store.port import EventStorePort

WRITE_ATTEMPTS = 5
"""Folds of one case tried when a worker keeps moving its view while the retry folds it."""


@dataclass(frozen=True)
class Parked:
    """One parked entry, as the projections recorded it."""

    partition: int
    position: str
    reason: str
    case_id: str | None
    version: int | None
    deliveries: int | None
    consumer: str | None

    @property
    def id(self) -> str:
        """How the command names it: ``<partition>:<position>``."""
        return f"{self.partition}:{self.position}"

    def as_json(self) -> dict[str, Any]:
        """The entry for ``--json``."""
        return {"id": self.id, "partition": self.partition, "position": self.position, "case_id": self.case_id,
                "version": self.version, "deliveries": self.deliveries, "consumer": self.consumer,
                "reason": self.reason}


@dataclass
class Retried:
    """What a retry did to one parked entry: ``applied`` (un-parked) or ``still_failing`` (with why)."""

    entry: Parked
    status: str
    reason: str | None = None
    view: CaseView | None = None

    def as_json(self) -> dict[str, Any]:
        """The result for ``--json``."""
        result: dict[str, Any] = {"id": self.entry.id, "case_id": self.entry.case_id,
                                  "version": self.entry.version, "status": self.status}
        if self.reason is not None:
            result["reason"] = self.reason
        if self.view is not None:
            result["view"] = {"version": self.view.version, "stale": self.view.stale}
        return result



def _log_order(position: str) -> tuple[int, int]:
    """Sort key of a log position (``ms-seq``); anything else sorts last."""
    ms, _, seq = position.partition("-")
    return (int(ms), int(seq or 0)) if ms.isdigit() and (seq or "0").isdigit() else (2**63, 0)


def _parked(partition: int, position: str, raw: bytes | str) -> Parked:
    try:
        record: Any = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):  # written by something else: show it as it is
        return Parked(partition, position, text(raw), None, None, None, None)
    return Parked(partition, position, str(record.get("reason", "")), record.get("case_id"), record.get("version"),
                  record.get("deliveries"), record.get("consumer"))


async def list_parked(redis: Redis, store: EventStorePort) -> list[Parked]:
    """Every parked entry of every partition, in partition and log order."""
    found: list[Parked] = []
    for p in range(store.partitions):
        records: dict[Any, Any] = await redis.hgetall(PartitionKeys(p).parked)
        entries = [_parked(p, text(position), raw) for position, raw in records.items()]
        found += sorted(entries, key=lambda e: _log_order(e.position))
    return found


def resolve(parked: list[Parked], wanted: str) -> Parked:
    """The parked entry an ID names; a usage error naming the problem otherwise."""
    partition, _, position = wanted.rpartition(":")
    matches = [e for e in parked if e.position == position and (not partition or str(e.partition) == partition)]
    if not matches:
        raise exits.CliError(f"nothing parked as {wanted!r}; `liaison parked` lists what is")
    if len(matches) > 1:
        ids = ", ".join(e.id for e in matches)
        raise exits.CliError(f"{wanted!r} is parked in several partitions ({ids}); give PARTITION:POSITION")
    return matches[0]


@dataclass
class _CaseFold:
    """A case folded again from its first event: the view, and the entries that still fail, with why."""

    view: CaseView | None
    failing: dict[str, str] = field(default_factory=dict)
    folded: set[str] = field(default_factory=set)
    """Positions of every entry the fold went over."""


def _fold_case(case_id: str, records: list[RecordedEvent]) -> _CaseFold:
    """Fold a case's entries in log order the way a rebuild does, noting the entries that cannot be applied."""
    fold = Fold(None, case_id)
    failing: dict[str, str] = {}
    for record in records:
        try:
            event = read_event(record.data)
        except Exception as exc:  # unreadable with this code: skipped (stale), as a rebuild does
            failing[record.position] = describe(exc)
            head = read_head(record.data)
            if head is not None and head[0] == case_id:
                fold.skip_to(head[1])
            continue
        if event.case_id != case_id:
            failing[record.position] = f"the event belongs to case {event.case_id}"
            continue
        failed = fold.take(event)  # a fold rule that fails on it: skipped (stale), as a rebuild does
        if failed is not None:
            failing[record.position] = describe(failed)
    return _CaseFold(fold.view(), failing, {r.position for r in records})


async def _case_entries(store: EventStorePort, partition: int, case_id: str, extra: list[str]) -> list[RecordedEvent]:
    """The case's indexed events plus parked entries of it the index does not list, in log order."""
    records = await store.read_case(case_id)
    listed = {r.position for r in records}
    records += await store.read_positions(partition, [p for p in extra if p not in listed])
    return sorted(records, key=lambda r: _log_order(r.position))


async def _retry_case(store: EventStorePort, views: ViewStore, partition: int, case_id: str,
                      parked: list[Parked]) -> _CaseFold:
    """Fold the case again and write its view, folding again if a worker moved the view meanwhile."""
    for _ in range(WRITE_ATTEMPTS):
        stored = (await views.stored(partition, [case_id]))[case_id]
        records = await _case_entries(store, partition, case_id, [e.position for e in parked])
        folded = _fold_case(case_id, records)
        if folded.view is None:
            return folded
        # The digest too: a view rewritten at the same version meanwhile (another retry) is not overwritten.
        if await views.write(partition, [Write(case_id, stored.version, folded.view, digest=stored.digest)]) == set():
            return folded
    raise exits.CliError(f"case {case_id}: its view kept moving while it was folded again; try again", exits.REJECTED)


async def retry(redis: Redis, store: EventStorePort, entries: list[Parked]) -> list[Retried]:
    """Re-apply parked entries (grouped by case) with this process's code; un-park the ones that now apply."""
    views = ViewStore(redis)
    everything = await list_parked(redis, store)
    results: list[Retried] = []
    by_case: dict[tuple[int, str], list[Parked]] = {}
    for entry in entries:
        case_id = entry.case_id or await _attribute(redis, store, entry)
        if case_id is None:
            results.append(Retried(entry, "still_failing", await _unattributable(redis, store, entry)))
        else:
            by_case.setdefault((entry.partition, case_id), []).append(entry)
    for (partition, case_id), asked in by_case.items():
        of_case = [e for e in everything if e.partition == partition and e.case_id == case_id]
        folded = await _retry_case(store, views, partition, case_id, of_case + asked)
        applied = [e for e in {x.id: x for x in of_case + asked}.values()
                   if e.position in folded.folded and e.position not in folded.failing]
        if applied:
            await redis.hdel(PartitionKeys(partition).parked, *[e.position for e in applied])
        for entry in asked:
            if entry.position not in folded.folded:
                results.append(Retried(entry, "still_failing", "the entry is no longer in the log"))
            elif entry.position in folded.failing:
                results.append(Retried(entry, "still_failing", folded.failing[entry.position], folded.view))
            else:
                results.append(Retried(entry, "applied", None, folded.view))
    return results


async def _entry(redis: Redis, entry: Parked) -> Any:
    found: Any = await redis.xrange(PartitionKeys(entry.partition).log, entry.position, entry.position)
    return found[0] if found else None


async def _attribute(redis: Redis, store: EventStorePort, entry: Parked) -> str | None:
    """The case of a parked entry that had none, if this code can now read one."""
    found = await _entry(redis, entry)
    if found is None:
        return None
    parsed = parse_entry(store, entry.partition, found[0], found[1])
    return parsed.case_id if parsed.problem is None else None


async def _unattributable(redis: Redis, store: EventStorePort, entry: Parked) -> str:
    found = await _entry(redis, entry)
    if found is None:
        return "the entry is no longer in the log"
    return parse_entry(store, entry.partition, found[0], found[1]).problem or "unreadable"


def _print_list(parked: list[Parked]) -> None:
    if not parked:
        print("nothing is parked: the projections applied every log entry they read")
        return
    print(f"{len(parked)} parked log entr{'y' if len(parked) == 1 else 'ies'} (retry one with "
          "`liaison parked --retry ID` once the cause is fixed):")
    for e in parked:
        where = f"case {e.case_id} v{e.version}" if e.case_id else "no case"
        print(f"  {e.id}  {where}  after {e.deliveries} deliveries: {e.reason}")


def _print_retried(results: list[Retried]) -> None:
    for r in results:
        if r.status == "applied":
            view = r.view
            state = "" if view is None else f"; view at version {view.version}{', still stale' if view.stale else ''}"
            print(f"{r.entry.id}: applied{state}")
        else:
            print(f"{r.entry.id}: still fails, stays parked: {r.reason}")


async def run(retry_ids: list[str], retry_all: bool, as_json: bool) -> int:
    """Entry point of ``liaison parked``: list, or retry; exit 1 when a retried entry still fails."""
    client = await open_redis()
    try:
        store = await open_store(client)
        parked = await list_parked(client, store)
        if not retry_ids and not retry_all:
            if as_json:
                sys.stdout.write(msgspec.json.encode([e.as_json() for e in parked]).decode() + "\n")
            else:
                _print_list(parked)
            return exits.OK
        chosen = parked if retry_all else [resolve(parked, wanted) for wanted in retry_ids]
        results = await retry(client, store, chosen)
    finally:
        await client.aclose()
    if as_json:
        sys.stdout.write(msgspec.json.encode({"retried": [r.as_json() for r in results]}).decode() + "\n")
    else:
        _print_retried(results)
    return exits.REJECTED if any(r.status != "applied" for r in results) else exits.OK

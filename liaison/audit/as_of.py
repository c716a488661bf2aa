"""``liaison replay --as-of T [--case ID]``: every case (or one) as it stood at an instant, from the log.

A case stands at T as the fold of its events recorded at or before T: its versions in order,
up to the first one recorded after T. The chains read are verified on the way (the whole log
for every case; the one case's chain, link by link, for one).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import msgspec

from liaison import exits
from liaison.audit.replay import print_breaches, print_summary, replay_with_progress, summary, verification
from liaison.connect import open_redis, open_store
from liaison.read.views import print_case, print_cases
from shared.events import AnyEvent
from shared.readmodel.fold import fold
from shared.readmodel.schema import CaseView
from shared.store import EventStore, RecordedEvent
from shared.store.chain import GENESIS, link


def parse_instant(text: str) -> datetime:
    """The instant of --as-of: an ISO 8601 time with its UTC offset (a naive time is ambiguous by an hour)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise exits.CliError(
            f"--as-of: {text!r} is not an ISO 8601 time; write e.g. 2026-11-20T10:00:00+07:00"
        ) from err
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise exits.CliError(
            f"--as-of: {text!r} has no UTC offset; add the clock it was read from, "
            "e.g. +07:00 (Vietnam) or +08:00 (China)"
        )
    return moment


def chain_problems(records: list[RecordedEvent], head: tuple[int, str]) -> list[str]:
    """What breaks one case's chain, from its events as read and its recorded head (pure)."""
    problems: list[str] = []
    prev = GENESIS
    for expected, record in enumerate(records, start=1):
        version = record.head()[1]
        where = f"version {version} at position {record.position} (partition {record.partition})"
        if version != expected:
            problems.append(f"{where}: expected version {expected}: a version is missing or repeated")
        if record.prev != prev:
            problems.append(f"{where}: links to {record.prev[:12]}… but the previous event's hash is {prev[:12]}…")
        if link(record.prev, record.data) != record.hash:
            problems.append(f"{where}: the stored hash is not sha256(prev + event bytes): the event was altered")
        prev = record.hash
    last = (len(records), prev)
    if last != head:
        problems.append(f"the case's recorded head is version {head[0]} {head[1][:12]}… but its events end at "
                        f"version {last[0]} {last[1][:12]}…: events were removed or altered")
    return problems


def case_as_of(records: list[RecordedEvent], moment: datetime, case_id: str) -> CaseView | None:
    """The fold of the case's events up to the first one recorded after ``moment`` (pure)."""
    known: list[AnyEvent] = []
    for record in records:
        event = record.event()
        if event.recorded_at > moment:
            break
        known.append(event)
    return fold(None, known, case_id)


async def one_case(store: EventStore, case_id: str, moment: datetime, as_json: bool) -> int:
    """One case at ``moment``, its chain verified; exit 3 if it does not verify, 1 if it did not exist then."""
    records = await store.read_case(case_id)
    problems = chain_problems(records, await store.head(case_id))
    view = case_as_of(records, moment, case_id) if records else None
    code = exits.TAMPERED if problems else exits.OK if view is not None else exits.REJECTED
    if as_json:
        _json({"as_of": moment.isoformat(), "case_id": case_id, "verified": not problems, "problems": problems,
               "case": msgspec.to_builtins(view) if view is not None else None})
        return code
    for problem in problems:
        print(f"TAMPERING in case {case_id}: {problem}")
    if view is None:
        print(f"no case {case_id!r} at {moment.isoformat()}", file=sys.stderr)
        return code
    print(f"as of {moment.isoformat()} (events recorded at or before it):")
    print_case(view)
    return code


async def every_case(store: EventStore, moment: datetime, as_json: bool) -> int:
    """Every case at ``moment``, folded while the whole log is verified; exit 3 on tampering."""
    done = await replay_with_progress(store, as_json, views=True, until=moment)
    views = sorted(done.views.values(), key=lambda v: v.case_id)
    code = exits.TAMPERED if done.audit.breaches else exits.OK
    if as_json:
        _json({"as_of": moment.isoformat(), "summary": summary(done.audit, done.elapsed),
               "verify": verification(done.audit), "cases": [msgspec.to_builtins(v) for v in views]})
        return code
    print_summary(done.audit, done.elapsed)
    print_breaches(done.audit)
    print(f"as of {moment.isoformat()} (events recorded at or before it):")
    print_cases(views)
    return code


async def as_of(text: str, case_id: str | None, as_json: bool) -> int:
    """Dispatch ``replay --as-of``."""
    moment = parse_instant(text)
    client = await open_redis()
    try:
        store = await open_store(client)
        if case_id is not None:
            return await one_case(store, case_id, moment, as_json)
        return await every_case(store, moment, as_json)
    finally:
        await client.aclose()


def _json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")

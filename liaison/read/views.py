"""``liaison case``, ``cases`` and ``events``: views and histories, for people or as JSON."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import msgspec
from redis.asyncio import Redis

from liaison import exits
from liaison.connect import open_redis, open_store
from shared.events import AnyEvent, Text
from shared.readmodel.fold import fold
from shared.readmodel.queries import get_view, list_views
from shared.readmodel.schema import CHINA, VIETNAM, CaseView, Clocks, shown_counts
from shared.store import EventStore
from shared.store.port import EventStorePort


def _json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def clocks(c: Clocks | None) -> str:
    if c is None:
        return "-"
    return f"VN {c.vietnam[:16].replace('T', ' ')} / CN {c.china[:16].replace('T', ' ')}"


def _as_of(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise exits.CliError(f"--as-of: not an ISO time: {text!r}") from err
    if moment.tzinfo is None:
        raise exits.CliError("--as-of: the time needs its UTC offset, e.g. 2026-11-23T09:00:00+07:00")
    return moment


async def _view_as_of(store: EventStorePort, case_id: str, moment: datetime) -> CaseView | None:
    """The case as the log recorded it up to ``moment``: the events, in version order, up to the first
    one recorded after it (a prefix, so the fold never sees a version gap)."""
    known: list[AnyEvent] = []
    for record in await store.read_case(case_id):
        event = record.event()
        if event.recorded_at > moment:
            break
        known.append(event)
    return fold(None, known, case_id)


TABLE_COUNTERS = ("calls", "letters_sent", "letters_received", "acknowledgements", "confirmations")
"""The counters of ``liaison cases``'s columns CALLS, L.OUT, L.IN, ACKS, CONF."""

COUNTER_LABELS = {"confirmations": "written confirmations", "other": "events of unknown types"}
"""How ``liaison case`` names a counter where its field name would mislead; others read as they are."""


def print_case(view: CaseView) -> None:
    """A case for people: status, parties, counts, obligations, both clocks."""
    counts = ", ".join(f"{COUNTER_LABELS.get(name, name.replace('_', ' '))} {n}"
                       for name, n in shown_counts(view).items())
    print(f"case {view.case_id}  ({view.kind}, version {view.version}{', STALE' if view.stale else ''})")
    print(f"  status:      {view.status}")
    print(f"  parties:     {', '.join(view.parties)}")
    print(f"  counts:      {counts or 'none'}")
    print(f"  opened:      {clocks(view.first_update)}")
    print(f"  last update: {clocks(view.last_update)}")
    print(f"  handling:    {view.handling}{'  (exercise)' if view.exercise else ''}")
    if view.obligations:
        print("  open obligations:")
        for o in view.obligations:
            late = f"  OVERDUE since {clocks(o.due)}" if o.overdue else f"  due {clocks(o.due)}" if o.due else ""
            print(f"    {o.kind:<22} owed by {o.owed_by:<12} for {o.message_id}  since {clocks(o.since)}{late}")


def print_cases(views: list[CaseView]) -> None:
    """Every case, one line each."""
    if not views:
        print("no cases yet")
        return
    wide = max(24, *(len(",".join(v.parties)) for v in views))  # a case of three or more units stays in line
    header = f"{'CASE':<16} {'STATUS':<25} {'PARTIES':<{wide}} {'CALLS':>5} {'L.OUT':>5} {'L.IN':>5} {'ACKS':>5} "
    print(header + f"{'CONF':>5} {'OWED':>4} {'V':>4}  LAST UPDATE")
    for v in views:
        shown = shown_counts(v)  # a counter not of the case's kind (and zero) is "-", not a misleading 0
        c = [str(shown[name]) if name in shown else "-" for name in TABLE_COUNTERS]
        print(
            f"{v.case_id:<16} {v.status:<25} {','.join(v.parties):<{wide}} {c[0]:>5} {c[1]:>5} "
            f"{c[2]:>5} {c[3]:>5} {c[4]:>5} {_owed(v):>4} "
            f"{v.version:>4}  {clocks(v.last_update)}"
        )
    late = sum(1 for v in views if any(o.overdue for o in v.obligations))
    print(f"{len(views)} cases" + (f"; {late} with an overdue obligation (OWED marked !)" if late else ""))


def _owed(view: CaseView) -> str:
    """Open obligations, with ``!`` when a deadline of one of them passed."""
    return f"{len(view.obligations)}{'!' if any(o.overdue for o in view.obligations) else ''}"


def _text(t: Text | None) -> str:
    if t is None:
        return ""
    first = t.get(t.original) or ""
    others = [f"[{lang}] {value}" for lang in ("vi", "zh", "en") if lang != t.original and (value := t.get(lang))]
    return " | ".join([f"[{t.original}] {first}", *others])


def _both_clocks(moment: datetime) -> str:
    """An instant on both sides' clocks, to the second: ``VN 2026-11-23 09:15:04 / CN 2026-11-23 10:15:04``."""
    return (f"VN {moment.astimezone(VIETNAM).strftime('%Y-%m-%d %H:%M:%S')} / "
            f"CN {moment.astimezone(CHINA).strftime('%Y-%m-%d %H:%M:%S')}")


def print_events(events: list[AnyEvent]) -> None:
    """A case's history, oldest first: version, type, when on both clocks, who, and the event id (what a case's
    obligations name)."""
    for e in events:
        print(f"v{e.case_version:<4} {type(e).__name__:<30} {_both_clocks(e.occurred_at.utc)}  {e.unit} / {e.officer}")
        print(f"       event_id: {e.event_id}")
        for name in ("summary", "subject", "body"):
            value = getattr(e, name, None)
            if isinstance(value, Text):
                print(f"       {name}: {_text(value)}")
        for name in ("message_id", "call_id", "reference", "caller_unit", "callee_unit", "to_unit", "from_unit"):
            value = getattr(e, name, None)
            if value:
                print(f"       {name}: {value}")


@asynccontextmanager
async def _store() -> AsyncIterator[tuple[Redis, EventStore]]:
    client = await open_redis()
    try:
        yield client, await open_store(client)
    finally:
        await client.aclose()


async def show_cases(as_json: bool) -> int:
    """``liaison cases``: every case."""
    async with _store() as (redis, store):
        views = await list_views(redis, store)
    if as_json:
        _json([msgspec.to_builtins(v) for v in views])
    else:
        print_cases(views)
    return exits.OK


async def show_case(case_id: str, as_of: str | None, as_json: bool) -> int:
    """``liaison case ID [--as-of T]``: one case's view, now or as it stood at T."""
    async with _store() as (redis, store):
        view = await _view_as_of(store, case_id, _as_of(as_of)) if as_of else await get_view(redis, store, case_id)
    if view is None:
        when = f" at {as_of}" if as_of else ""
        raise exits.CliError(f"no case {case_id!r}{when}", exits.REJECTED)
    if as_json:
        _json(msgspec.to_builtins(view))
    else:
        print_case(view)
    return exits.OK


async def show_events(case_id: str, as_json: bool) -> int:
    """``liaison events ID``: one case's history, entry by entry."""
    async with _store() as (_, store):
        records = await store.read_case(case_id)
    if not records:
        raise exits.CliError(f"no case {case_id!r}", exits.REJECTED)
    if as_json:
        for r in records:
            _json({"position": r.position, "number": r.number, "prev": r.prev, "hash": r.hash,
                   "event": msgspec.json.decode(r.data)})
    else:
        print_events([r.event() for r in records])
    return exits.OK

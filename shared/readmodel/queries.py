"""Reading the case views and histories: the one read path every entry point uses, with the access rules applied.

The gateway serves the stored JSON byte for byte (``get_raw``, ``list_raw``); the CLI and tests
decode it (``get_view``, ``list_views``). Both go through the same reads and the same filters.
A ``viewer`` sees only cases it is party to; a case holding an event it may not see (handling
H2/H3, shared/access/visibility.py) is folded on read from the events it may see, so nothing
leaks through the view's counts or status. ``viewer=None``: a process on the box (the CLI).

What a reader who is not an auditor is shown is numbered for that reader (docs/security.md): its view's
``version`` and each event's ``case_version`` count the events *it* may see (1, 2, 3...), and events come
without the chain's ``number``, ``prev`` and ``hash``, so neither a gap nor a link discloses an event it
may not see. Auditors get the log as it is.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.access.principals import Principal
from shared.access.visibility import may_see, may_see_entry, sees_all_of
from shared.readmodel.decoding import read_event
from shared.readmodel.filters import NO_FILTER, CaseFilter
from shared.readmodel.fold import ViewEvent, fold_seen
from shared.readmodel.schema import CaseView, decode_view, encode_view
from shared.redis_client import text
from shared.store import RecordedEvent
from shared.store.keys import PartitionKeys
from shared.store.port import EventStorePort

log = structlog.get_logger("readmodel")


SEEN_KEPT = 4096
"""Views folded on read kept in this process: (case, version, digest of the stored view, reader's unit) -> the view
it may see. The stored view's digest is in the key because a case id can name another case after the store was
emptied and refilled (ids derive from command ids): the same version of a different log must not be served."""

_seen: OrderedDict[tuple[str, int, bytes, str], tuple[bytes | None, bool]] = OrderedDict()
"""-> (the view it may see, or None; whether it may see the event at that version)."""


class _Version(msgspec.Struct):
    version: int = 0


_version_of = msgspec.json.Decoder(_Version).decode


async def as_seen_by(
    store: EventStorePort, case_id: str, raw: bytes, viewer: Principal | None, up_to: int | None = None
) -> bytes | None:
    """A stored view as ``viewer`` may see it: None if not at all, as stored if it may see every event, else
    folded from the events it may see up to version ``up_to`` (default: the stored view's), numbered for it,
    None if that leaves it no part in the case."""
    return (await seen_at(store, case_id, raw, viewer, up_to))[0]


async def seen_at(
    store: EventStorePort, case_id: str, raw: bytes, viewer: Principal | None, up_to: int | None = None
) -> tuple[bytes | None, bool]:
    """``as_seen_by``, and whether ``viewer`` may see the event at ``up_to`` itself (an update it made is shown
    only then: even its timing would disclose a hidden event)."""
    if not may_see(viewer, raw):
        return None, False
    if sees_all_of(viewer, raw):
        return raw, True
    assert viewer is not None
    if up_to is None:  # the same point of the case as the stored view, even while the log runs ahead of it
        up_to = _version_of(raw).version
    key = (case_id, up_to, hashlib.blake2b(raw, digest_size=16).digest(), viewer.unit)
    if key in _seen:
        _seen.move_to_end(key)
        return _seen[key]
    seen_events: list[ViewEvent] = []
    last_seen = False
    for entry in await store.read_case(case_id):
        version = _version(entry)
        if version > up_to:
            break
        last_seen = may_see_entry(viewer, entry.data)
        if not last_seen:
            continue
        try:  # numbered for this reader: the n-th event it may see is its version n
            event = read_event(entry.data)
            seen_events.append(msgspec.structs.replace(event, case_version=len(seen_events) + 1))
        except Exception:
            log.warning("unreadable_event_left_out", case_id=case_id, position=entry.position)
    seen = fold_seen(case_id, seen_events)
    shown = None if seen is None or viewer.unit not in seen.parties else encode_view(seen)
    _seen[key] = (shown, last_seen and shown is not None)
    while len(_seen) > SEEN_KEPT:
        _seen.popitem(last=False)
    return _seen[key]


def _version(entry: RecordedEvent) -> int:
    try:
        return entry.head()[1]
    except Exception:
        return 0


async def case_events(
    redis: Redis, store: EventStorePort, case_id: str, viewer: Principal | None = None
) -> list[RecordedEvent]:
    """A case's log entries ``viewer`` may see, in version order ([] for a case it may not see, or none)."""
    if viewer is not None and not viewer.sees_every_case and await get_raw(redis, store, case_id, viewer) is None:
        return []
    return [entry for entry in await store.read_case(case_id) if may_see_entry(viewer, entry.data)]


_encode_head = msgspec.json.Encoder().encode
_encode_sorted = msgspec.json.Encoder(order="sorted").encode


def shown_events(recorded: list[RecordedEvent], viewer: Principal | None) -> list[bytes]:
    """Each entry as the JSON ``/events`` serves: for the box and auditors ``position``, ``number``, ``prev``,
    ``hash`` and the event as logged (its bytes are what the hash covers); for any other reader ``position`` and
    the event numbered for it (``case_version`` counts the events it may see), without the chain's fields."""
    items = []
    chained = viewer is None or viewer.sees_every_case
    for i, entry in enumerate(recorded, start=1):
        if chained:
            head = _encode_head({"position": entry.position, "number": entry.number, "prev": entry.prev,
                                 "hash": entry.hash})
            items.append(head[:-1] + b',"event":' + entry.data + b"}")
            continue
        try:
            event = msgspec.json.decode(entry.data)
            event["case_version"] = i
            data = _encode_sorted(event)
        except (msgspec.DecodeError, TypeError):  # not an object: shown as it is, there is no version to hide
            data = entry.data
        items.append(_encode_head({"position": entry.position})[:-1] + b',"event":' + data + b"}")
    return items


async def get_raw(redis: Redis, store: EventStorePort, case_id: str, viewer: Principal | None = None) -> bytes | None:
    """A case's view as stored (JSON), or None if the projections have not seen the case or ``viewer`` may not
    (the same answer, so a unit cannot learn that a case it is not party to exists)."""
    raw = await redis.hget(PartitionKeys(store.partition_of(case_id)).views, case_id)
    found = raw.encode() if isinstance(raw, str) else raw
    return None if found is None else await as_seen_by(store, case_id, found, viewer)


async def get_view(redis: Redis, store: EventStorePort, case_id: str) -> CaseView | None:
    """A case's view, or None if the projections have not seen the case."""
    raw = await get_raw(redis, store, case_id)
    return None if raw is None else decode_view(raw)


async def raw_views(redis: Redis, store: EventStorePort) -> dict[int, dict[str, bytes]]:
    """The stored JSON of every view, per partition (HSCAN, so a large hash never blocks Redis)."""
    result: dict[int, dict[str, bytes]] = {}
    for p in range(store.partitions):
        result[p] = {text(k): v async for k, v in redis.hscan_iter(PartitionKeys(p).views, count=1000)}
    return result


async def list_raw(
    redis: Redis, store: EventStorePort, case_filter: CaseFilter = NO_FILTER, now: datetime | None = None,
    viewer: Principal | None = None,
) -> list[tuple[str, bytes]]:
    """(case id, stored JSON) of every view ``viewer`` may see that passes the filter, sorted by case id.

    ``now``: one instant for the whole list, so a deadline passing mid-scan cannot split it.
    """
    instant = now or datetime.now(UTC)
    found = []
    for views in (await raw_views(redis, store)).values():
        for case_id, stored in views.items():
            try:
                raw = await as_seen_by(store, case_id, stored, viewer)
            except (RedisError, OSError):
                raise
            except Exception:  # one case that cannot be shown never fails the list
                log.exception("case_left_out_of_list", case_id=case_id)
                continue
            if raw is not None and case_filter.matches(raw, instant):
                found.append((case_id, raw))
    return sorted(found, key=lambda item: item[0])


async def list_views(redis: Redis, store: EventStorePort, case_filter: CaseFilter = NO_FILTER) -> list[CaseView]:
    """Every case view that passes the filter, sorted by case id."""
    return [decode_view(raw) for _, raw in await list_raw(redis, store, case_filter)]

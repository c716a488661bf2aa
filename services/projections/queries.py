"""Reading the views and following the case updates (for the CLI, the gateway and dashboards)."""

from __future__ import annotations

import time
from typing import Any

from services.projections.views import CaseUpdate, CaseView, decode_view
from shared.redis_client import text
from shared.store import EventStore, keys

FROM_NOW = "$"
"""A position in ``read_updates``' ``after``: only updates written from now on."""



async def get_view(store: EventStore, case_id: str) -> CaseView | None:
    """A case's view, or None if the projections have not seen the case."""
    raw = await store.redis.hget(store.keys(store.partition_of(case_id)).views, case_id)
    return None if raw is None else decode_view(raw)


async def list_views(store: EventStore) -> list[CaseView]:
    """Every case view of every partition, sorted by case id."""
    views = [decode_view(raw) for raws in (await raw_views(store)).values() for raw in raws.values()]
    return sorted(views, key=lambda v: v.case_id)


async def raw_views(store: EventStore) -> dict[int, dict[str, bytes]]:
    """The stored JSON of every view, per partition (HSCAN, so a large hash never blocks Redis)."""
    result: dict[int, dict[str, bytes]] = {}
    for p in range(store.partitions):
        result[p] = {text(k): v async for k, v in store.redis.hscan_iter(store.keys(p).views, count=1000)}
    return result


async def updates_now(store: EventStore) -> dict[int, str]:
    """Each partition's latest case-update position: follow from here to see only new updates."""
    positions: dict[int, str] = {}
    for p in range(store.partitions):
        last: Any = await store.redis.xrevrange(store.keys(p).updates, "+", "-", count=1)
        positions[p] = text(last[0][0]) if last else "0-0"
    return positions


async def read_updates(
    store: EventStore, after: dict[int, str], count: int = 100, block_ms: int = 0
) -> list[tuple[int, str, CaseUpdate]]:
    """Case updates after the given positions (partition -> entry id), oldest first per partition.

    ``after`` is updated in place to the position reached in each partition, so calling again
    with the same dict resumes without a gap; a ``"$"`` ("from now") position is first replaced
    by that partition's latest position. ``count`` is per partition; ``block_ms`` > 0 waits that
    long for an update when there is none (0: do not wait). One XREAD covers all partitions.
    """
    if any(position == FROM_NOW for position in after.values()):
        now = await updates_now(store)
        for p, position in after.items():
            if position == FROM_NOW:
                after[p] = now[p]
    streams: dict[Any, Any] = {store.keys(p).updates: position for p, position in after.items()}
    if not streams:
        return []
    partition_of_stream = {store.keys(p).updates: p for p in after}
    reply: Any = await _xread(store, streams, count, block_ms)
    updates: list[tuple[int, str, CaseUpdate]] = []
    for stream, entries in reply or []:
        p = partition_of_stream[text(stream)]
        for entry_id, fields in entries:
            position = text(entry_id)
            updates.append((p, position, _update(fields)))
            after[p] = position
    return updates


BLOCK_SLICE_MS = 4000
"""Longest single blocking XREAD: redis-py 8.1 times a read out after its default socket_timeout of 5 s."""


async def _xread(store: EventStore, streams: dict[Any, Any], count: int, block_ms: int) -> Any:
    deadline = time.monotonic() + block_ms / 1000
    while True:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        block = min(remaining_ms, BLOCK_SLICE_MS) if remaining_ms > 0 else None
        reply: Any = await store.redis.xread(streams, count=count, block=block)
        if reply or block is None or remaining_ms <= BLOCK_SLICE_MS:
            return reply


def _update(fields: dict[bytes, bytes]) -> CaseUpdate:
    return CaseUpdate(
        case_id=text(fields[b"case_id"]), version=int(fields[b"version"]), view=decode_view(fields[b"view"])
    )


async def backlog(store: EventStore, group: str = keys.PROJECTIONS_GROUP) -> int:
    """Log entries the projections have not finished: pending ones plus those not yet delivered."""
    total = 0
    for p in range(store.partitions):
        log = store.keys(p).log
        groups: Any = await store.redis.xinfo_groups(log) if await store.redis.exists(log) else []
        found = next((g for g in groups if text(g["name"]) == group), None)
        if found is None:  # no worker ever read this partition: all of it is still to do
            total += await store.numbered(p)
            continue
        lag = found.get("lag")
        if lag is None:  # unknown after deletions from the log: count what follows the group's position
            rest: Any = await store.redis.xrange(log, f"({text(found['last-delivered-id'])}", "+")
            lag = len(rest)
        total += int(found["pending"]) + int(lag)
    return total

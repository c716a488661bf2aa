"""Reading the case views: one case, every case, the list filtered — the one read path every entry point uses.

The gateway serves the stored JSON byte for byte (``get_raw``, ``list_raw``); the CLI and tests
decode it (``get_view``, ``list_views``). Both go through the same reads and the same filters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.access.principals import Principal
from shared.access.visibility import may_see
from shared.readmodel.filters import NO_FILTER, CaseFilter
from shared.readmodel.schema import CaseView, decode_view
from shared.redis_client import text
from shared.store import EventStore


async def get_raw(store: EventStore, case_id: str, viewer: Principal | None = None) -> bytes | None:
    """A case's view as stored (JSON), or None if the projections have not seen the case or ``viewer`` may not
    (the same answer, so a unit cannot learn that a case it is not party to exists)."""
    raw = await store.redis.hget(store.keys(store.partition_of(case_id)).views, case_id)
    found = raw.encode() if isinstance(raw, str) else raw
    return found if found is not None and may_see(viewer, found) else None


async def get_view(store: EventStore, case_id: str) -> CaseView | None:
    """A case's view, or None if the projections have not seen the case."""
    raw = await get_raw(store, case_id)
    return None if raw is None else decode_view(raw)


async def raw_views(store: EventStore) -> dict[int, dict[str, bytes]]:
    """The stored JSON of every view, per partition (HSCAN, so a large hash never blocks Redis)."""
    result: dict[int, dict[str, bytes]] = {}
    for p in range(store.partitions):
        result[p] = {text(k): v async for k, v in store.redis.hscan_iter(store.keys(p).views, count=1000)}
    return result


async def list_raw(
    store: EventStore, case_filter: CaseFilter = NO_FILTER, now: datetime | None = None,
    viewer: Principal | None = None,
) -> list[tuple[str, bytes]]:
    """(case id, stored JSON) of every view ``viewer`` may see that passes the filter, sorted by case id.

    ``now``: one instant for the whole list, so a deadline passing mid-scan cannot split it.
    """
    instant = now or datetime.now(UTC)
    found = [
        (case_id, raw)
        for views in (await raw_views(store)).values()
        for case_id, raw in views.items()
        if may_see(viewer, raw) and case_filter.matches(raw, instant)
    ]
    return sorted(found, key=lambda item: item[0])


async def list_views(store: EventStore, case_filter: CaseFilter = NO_FILTER) -> list[CaseView]:
    """Every case view that passes the filter, sorted by case id."""
    return [decode_view(raw) for _, raw in await list_raw(store, case_filter)]

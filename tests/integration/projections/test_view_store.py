"""The view-write script when Redis's script cache was emptied (a restart, SCRIPT FLUSH) between writes."""

from __future__ import annotations

from services.projections.view_store import ViewStore, Write
from shared.readmodel.fold import fold
from shared.store import EventStore
from tests.unit.projections.factory import busy_case


async def test_a_write_after_the_script_cache_was_emptied_is_applied_once(store: EventStore) -> None:
    """The write is sent again after loading the script, and lands exactly once (version and one update)."""
    case = busy_case("case-flush")
    views = ViewStore(store.redis)
    p = store.partition_of("case-flush")
    v1, v2 = fold(None, case.events[:1], "case-flush"), fold(None, case.events[:2], "case-flush")
    assert await views.write(p, [Write("case-flush", 0, v1)]) == set()
    await store.redis.script_flush()
    assert await views.write(p, [Write("case-flush", 1, v2)]) == set()
    stored = (await views.stored(p, ["case-flush"]))["case-flush"]
    assert (stored.version, stored.view) == (2, v2)
    assert await store.redis.xlen(store.keys(p).updates) == 2

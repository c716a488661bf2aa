"""The projections worker against a real Redis: views, idempotence, order tolerance, concurrent workers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from liaison.operate.parked import list_parked
from services.projections import projector
from services.projections.rebuild import diff
from services.projections.view_store import ViewStore, Write
from shared.readmodel.fold import CaseView, Fold, encode_view
from shared.readmodel.queries import get_view, list_views
from shared.store import EventStore, keys
from tests.integration.projections.helpers import (
    append_all,
    caught_up,
    expected,
    fast_worker,
    live,
    running,
    views_are,
)
from tests.unit.projections.factory import CaseBuilder, busy_case

GROUP = keys.PROJECTIONS_GROUP


async def _updates_count(store: EventStore) -> int:
    return sum([await store.redis.xlen(store.keys(p).updates) for p in range(store.partitions)])


async def test_views_appear_with_the_right_counts(store: EventStore) -> None:
    """Every case appended to the log gets a view equal to the pure fold of its events, in every partition."""
    cases = [busy_case(f"case-{i}") for i in range(24)]
    await append_all(store, cases)
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected(cases))
        await caught_up(store)
    assert {store.partition_of(b.case_id) for b in cases} == set(range(store.partitions))
    view = await get_view(store.redis, store, "case-3")
    assert view is not None
    assert (view.counts.calls, view.counts.letters_sent, view.counts.letters_received) == (2, 1, 1)
    assert (view.counts.acknowledgements, view.counts.confirmations, view.version) == (1, 1, 6)
    assert await diff(store.redis, store) == []
    assert await _updates_count(store) >= len(cases)


async def test_a_group_is_created_at_zero_so_the_existing_log_is_read(store: EventStore, redis: Redis) -> None:
    """Events appended before any worker ran are projected: the group starts at the beginning of the log."""
    case = busy_case("case-before")
    await append_all(store, [case])
    worker = fast_worker(store, "w1")
    await worker.ensure_groups()
    groups = await redis.xinfo_groups(store.keys(store.partition_of("case-before")).log)
    assert [(g["name"], g["last-delivered-id"]) for g in groups] == [(GROUP.encode(), b"0-0")]
    async with running(worker):
        await views_are(store, expected([case]))


async def test_the_same_entries_delivered_twice_change_nothing(store: EventStore, redis: Redis) -> None:
    """Redelivering the whole log (group moved back to 0), to the worker that wrote the views and then to a new one
    with no memory of them (each case's batch begins at version 1, taken to have no view: the write script refuses
    that base), leaves every view byte-identical and writes no update."""
    cases = [busy_case(f"case-{i}") for i in range(8)]
    await append_all(store, cases)
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected(cases))
        await caught_up(store)
        before, updates = await live(store), await _updates_count(store)
        await _from_the_start(store, redis)
        await caught_up(store)
        assert await live(store) == before
        assert await _updates_count(store) == updates
    await _from_the_start(store, redis)
    async with running(fast_worker(store, "w2")):
        await caught_up(store)
    assert await live(store) == before
    assert await _updates_count(store) == updates


async def _from_the_start(store: EventStore, redis: Redis) -> None:
    for p in range(store.partitions):
        await redis.xgroup_setid(store.keys(p).log, GROUP, "0")


async def test_out_of_order_delivery_fills_the_gap(store: EventStore, redis: Redis) -> None:
    """A worker handed version 3 before versions 1-2 reads them from the store; the late ones are then skipped."""
    case = CaseBuilder("case-order")
    call = case.call(urgent=True, confirm=True)
    case.letter_sent()
    case.confirm(call.event_id)
    await append_all(store, [case], per_append=1)
    log = store.keys(store.partition_of("case-order")).log
    worker = fast_worker(store, "w1", reclaim_idle_ms=60_000)
    await worker.ensure_groups()
    # A consumer that takes versions 1 and 2 and never finishes them: the worker sees version 3 first.
    taken = await redis.xreadgroup(GROUP, "ghost", {log: ">"}, count=2)
    assert len(taken[0][1]) == 2
    async with running(worker):
        await views_are(store, expected([case]))
    view = await get_view(store.redis, store, "case-order")
    assert view is not None
    assert (view.version, view.counts.calls, view.counts.letters_sent, view.counts.confirmations) == (3, 1, 1, 1)
    assert view.status == "awaiting_acknowledgement"
    assert await redis.xlen(store.keys(store.partition_of("case-order")).updates) == 1
    # The ghost's entries, reclaimed later, are older than the view: acked, nothing rewritten.
    async with running(fast_worker(store, "w2", reclaim_idle_ms=1)):
        await caught_up(store)
    assert await redis.xlen(store.keys(store.partition_of("case-order")).updates) == 1
    assert encode_view(await get_view(store.redis, store, "case-order")) == encode_view(view)  # type: ignore[arg-type]


async def test_two_workers_on_the_same_partitions_produce_correct_views(store: EventStore) -> None:
    """Two workers sharing the group, with small batches and events still arriving, end with exact views."""
    cases = [busy_case(f"case-{i}") for i in range(6)]
    long_case = CaseBuilder("case-long")
    for i in range(60):
        long_case.letter_sent(reference=f"L-{i}") if i % 2 else long_case.call()
    cases.append(long_case)
    workers = [fast_worker(store, name, count=3, reclaim_idle_ms=20, give_up_after=1000) for name in ("w1", "w2")]
    async with running(workers[0]), running(workers[1]):
        await asyncio.gather(*(append_all(store, [b], per_append=1) for b in cases))
        await views_are(store, expected(cases), within=20)
        await caught_up(store)
    assert all(w.projector.stats.batches > 0 for w in workers), "both workers took part"
    assert await diff(store.redis, store) == []


async def test_the_write_script_refuses_a_view_built_from_an_old_version(store: EventStore) -> None:
    """A view folded from version 1 is refused once the stored view is at version 2, and nothing is written."""
    case = busy_case("case-cas")
    views = ViewStore(store.redis)
    p = store.partition_of("case-cas")
    from shared.readmodel.fold import fold

    v1, v2 = fold(None, case.events[:1], "case-cas"), fold(None, case.events[:2], "case-cas")
    assert await views.write(p, [Write("case-cas", 0, v1)]) == set()
    assert await views.write(p, [Write("case-cas", 1, v2)]) == set()
    stale_write = fold(v1, case.events[1:3], "case-cas")
    assert await views.write(p, [Write("case-cas", 1, stale_write)]) == {"case-cas"}
    stored = (await views.stored(p, ["case-cas"]))["case-cas"]
    assert stored.version == 2
    assert stored.view == v2
    assert [v.version for v in await list_views(store.redis, store)] == [2]


async def test_a_case_s_next_batch_goes_on_folding_the_fold_that_wrote_its_view(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three batches of one case, each folded after the last was written: one fold is made (the next batches go on
    with it rather than thawing the view again), and the view still equals the pure fold of every event."""
    made: list[str] = []

    class Counted(Fold):
        def __init__(self, view: CaseView | None, case_id: str) -> None:
            made.append(case_id)
            super().__init__(view, case_id)

    monkeypatch.setattr(projector, "Fold", Counted)
    case = busy_case("case-kept")
    async with running(fast_worker(store, "w1")):
        for start in range(0, 6, 2):
            await store.append(case.case_id, case.events[start : start + 2], expected_version=start)
            await caught_up(store)
        await views_are(store, expected([case]))
    assert made == ["case-kept"]



async def test_an_entry_redelivered_too_often_to_a_new_worker_is_not_parked_for_a_view_that_holds_it(
    store: EventStore, redis: Redis
) -> None:
    """A case's first entries, already in its view, come back to a worker with no memory of the view after being
    handed out more than ``give_up_after`` times (consumers that died on them): the worker reads the stored view
    before folding, finds them applied and acknowledges them; nothing is parked and the view is unchanged."""
    case = busy_case("case-worn")
    await append_all(store, [case])
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected([case]))
        await caught_up(store)
    before = await live(store)
    log = store.keys(store.partition_of(case.case_id)).log
    await redis.xgroup_setid(log, GROUP, "0")
    taken: Any = await redis.xreadgroup(GROUP, "ghost", {log: ">"}, count=100)
    ids = [entry_id for entry_id, _ in taken[0][1]]
    for _ in range(3):  # three more deliveries each, to consumers that never finish
        await redis.xclaim(log, GROUP, "ghost", 0, ids)
    async with running(fast_worker(store, "w2", reclaim_idle_ms=20, give_up_after=2)):
        await caught_up(store)
    assert await list_parked(store.redis, store) == []
    assert await live(store) == before

"""Rebuild and diff against the live views, and the queries the CLI and dashboards use."""

from __future__ import annotations

import asyncio

import msgspec
from redis.asyncio import Redis

from services.projections.rebuild import diff, rebuild
from shared.readmodel.fold import decode_view, encode_view
from shared.readmodel.queries import get_view, list_views
from shared.readmodel.updates import FROM_NOW, read_updates, updates_now
from shared.store import EventStore
from tests.integration.projections.helpers import append_all, caught_up, expected, fast_worker, running, views_are
from tests.unit.projections.factory import CaseBuilder, busy_case


async def test_rebuild_gives_the_fold_of_every_case(store: EventStore) -> None:
    """Rebuilding from the log alone gives each case the pure fold of its events, with no worker involved."""
    cases = [busy_case(f"case-{i}") for i in range(10)]
    await append_all(store, cases, per_append=3)
    rebuilt = await rebuild(store.redis, store, chunk=7)
    assert {case_id: encode_view(view) for case_id, view in rebuilt.items()} == expected(cases)


async def test_diff_names_tampered_missing_and_extra_views(store: EventStore, redis: Redis) -> None:
    """A changed live view is reported with its differing fields; a deleted one as missing; an invented one as extra."""
    cases = [busy_case(f"case-{i}") for i in range(6)]
    await append_all(store, cases)
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected(cases))
        await caught_up(store)
    assert await diff(store.redis, store) == []

    tampered = await get_view(store.redis, store, "case-1")
    assert tampered is not None
    forged = msgspec.structs.replace(
        tampered, counts=msgspec.structs.replace(tampered.counts, calls=7), status="open"
    )
    await redis.hset(store.keys(store.partition_of("case-1")).views, "case-1", encode_view(forged))
    await redis.hdel(store.keys(store.partition_of("case-2")).views, "case-2")
    invented = msgspec.structs.replace(tampered, case_id="case-invented")
    await redis.hset(store.keys(store.partition_of("case-invented")).views, "case-invented", encode_view(invented))
    await redis.hset(store.keys(store.partition_of("case-3")).views, "case-3", b"{not a view")

    found = {d.case_id: d for d in await diff(store.redis, store)}
    assert set(found) == {"case-1", "case-2", "case-3", "case-invented"}
    assert found["case-1"].problem == "different"
    assert [(f.field, f.live, f.rebuilt) for f in found["case-1"].fields] == [
        ("status", "open", "awaiting_acknowledgement"),
        ("counts.calls", 7, 2),
    ]
    assert found["case-2"].problem == "missing"
    assert found["case-invented"].problem == "extra"
    assert found["case-3"].problem == "unreadable"


async def test_list_and_get_views(store: EventStore) -> None:
    """list_views returns every partition's views sorted by case id; get_view one, or None for an unknown case."""
    cases = [busy_case(f"case-{i}") for i in (3, 1, 2)]
    await append_all(store, cases)
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected(cases))
    assert [v.case_id for v in await list_views(store.redis, store)] == ["case-1", "case-2", "case-3"]
    assert await get_view(store.redis, store, "case-none") is None


async def test_read_updates_follows_from_now_and_resumes_without_a_gap(store: EventStore) -> None:
    """Updates read from "$" include only later writes; the same positions dict resumes exactly after the last one."""
    first = busy_case("case-early")
    await append_all(store, [first])
    async with running(fast_worker(store, "w1")):
        await views_are(store, expected([first]))
        after = dict.fromkeys(range(store.partitions), FROM_NOW)
        assert await read_updates(store.redis, store, after, count=10, block_ms=0) == []
        assert after == await updates_now(store.redis, store)

        later = CaseBuilder("case-late")
        later.call(urgent=True, confirm=True)
        waiting = asyncio.create_task(read_updates(store.redis, store, after, count=10, block_ms=3000))
        await store.append("case-late", later.events, expected_version=0)
        updates = await waiting
        assert [(u.case_id, u.version) for _, _, u in updates] == [("case-late", 1)]
        p, position, update = updates[0]
        assert after[p] == position
        assert update.view.status == "awaiting_confirmation"
        assert decode_view(encode_view(update.view)) == await get_view(store.redis, store, "case-late")

        confirm = CaseBuilder("case-late")
        confirm.version = 1
        confirm.confirm(later.events[0].event_id)
        await store.append("case-late", confirm.events, expected_version=1)
        await views_are(store, expected([first]) | {"case-late": encode_view(_fold(later, confirm))})
        resumed = await read_updates(store.redis, store, after, count=10, block_ms=0)
        assert [(u.case_id, u.version, u.view.status) for _, _, u in resumed] == [
            ("case-late", 2, "awaiting_acknowledgement")
        ]


def _fold(*builders: CaseBuilder):  # type: ignore[no-untyped-def]
    from shared.readmodel.fold import fold

    return fold(None, [e for b in builders for e in b.events], builders[0].case_id)

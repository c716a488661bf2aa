"""Projection workers sharing the partitions by leases (ADR 0022), against a real Redis: division, rebalancing
when a worker joins, leaves or dies, and the fence that stops a worker which lost its lease from writing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.projections.rebuild import diff
from services.projections.view_store import ViewStore, Write
from services.projections.worker import Worker
from shared.follow.fencing import LeaseLost
from shared.follow.leases import Leases
from shared.follow.parking import Parking
from shared.readmodel.fold import fold
from shared.store import EventStore, keys
from tests.integration.projections.helpers import (
    append_all,
    caught_up,
    eventually,
    expected,
    fast_worker,
    running,
    views_are,
)
from tests.unit.projections.factory import busy_case

GROUP = keys.PROJECTIONS_GROUP
LEASE_MS, TICK_S, STUCK_MS = 1_000, 0.1, 1_500
"""Short leases so the tests watch a takeover in about a second (the service's are 5 s, 1 s and 30 s)."""


def leased(store: EventStore, consumer: str, lease_ms: int = LEASE_MS, **kwargs: Any) -> Worker:
    """A fast worker that shares the partitions by leases."""
    return fast_worker(store, consumer, leases=True, lease_ms=lease_ms, lease_tick_s=TICK_S,
                       lease_stuck_ms=STUCK_MS, **kwargs)


def held(worker: Worker) -> set[int]:
    assert worker.leases is not None
    return set(worker.leases.held())


async def divided(store: EventStore, workers: list[Worker], within: float = 5.0) -> None:
    """Wait until the workers hold disjoint shares, differing by one at most, that cover every partition."""

    async def check() -> bool:
        shares = [held(w) for w in workers]
        every = [p for share in shares for p in share]
        sizes = [len(share) for share in shares]
        return sorted(every) == list(range(store.partitions)) and max(sizes) - min(sizes) <= 1

    await eventually(check, within, f"{len(workers)} workers to divide {store.partitions} partitions")


async def test_two_workers_divide_the_partitions_and_project_every_case(store: EventStore) -> None:
    """Two leased workers each take half the partitions, and together project every case exactly as folded."""
    cases = [busy_case(f"lease-{i}") for i in range(24)]
    a, b = leased(store, "wa"), leased(store, "wb")
    async with running(a), running(b):
        await divided(store, [a, b])
        await append_all(store, cases)
        await views_are(store, expected(cases))
        await caught_up(store)
        assert held(a)
        assert held(b)
        assert not held(a) & held(b)
        assert a.projector.stats.written > 0, "the first worker projected its share"
        assert b.projector.stats.written > 0, "the second worker projected its share"
    assert await diff(store.redis, store) == []


async def test_a_newcomer_gets_its_share_and_a_leaver_hands_its_back(store: EventStore) -> None:
    """A worker that joins takes its share within seconds; when it stops, the other takes everything back."""
    a = leased(store, "wa")
    async with running(a):
        await divided(store, [a])
        b = leased(store, "wb", lease_ms=10_000)  # its leases and membership would lapse only after 10 s
        async with running(b):
            await divided(store, [a, b])
        await divided(store, [a], within=2 * TICK_S + 1)  # released on stop: long before they would lapse
        cases = [busy_case(f"back-{i}") for i in range(8)]
        await append_all(store, cases)
        await views_are(store, expected(cases))


async def test_a_dead_workers_partitions_and_pending_entries_are_taken_over(store: EventStore) -> None:
    """A worker killed mid-batch (leases not released, entries left pending) loses its partitions once its lease
    lapses; the survivor takes them and the entries the dead one held, and every view comes right."""
    a, b = leased(store, "wa"), leased(store, "wb")
    in_write = asyncio.Event()

    async def hang(*_: Any) -> set[str]:
        in_write.set()
        await asyncio.Event().wait()  # never returns: the worker dies holding its entries
        return set()

    async def stay(*_: Any) -> None:  # a killed process releases nothing
        return None

    assert a.leases is not None
    a.leases.leave = stay  # type: ignore[method-assign]
    task_a = asyncio.create_task(a.run())
    async with running(b):
        await divided(store, [a, b])
        a.projector.views.write = hang  # type: ignore[method-assign]
        cases = [busy_case(f"dead-{i}") for i in range(16)]
        await append_all(store, cases)
        await asyncio.wait_for(in_write.wait(), 5)
        task_a.cancel()
        await asyncio.gather(task_a, return_exceptions=True)
        await divided(store, [b], within=LEASE_MS / 1000 + 3)
        await views_are(store, expected(cases))
        await caught_up(store)
    assert await diff(store.redis, store) == []


async def test_a_worker_that_lost_its_lease_cannot_write_a_view(store: EventStore) -> None:
    """The view-write script refuses (and the store raises LeaseLost) when the caller's lease is no longer the
    partition's: nothing is written, nothing acked, no update sent."""
    redis, p = store.redis, 0
    old = Leases(redis, GROUP, "old", [p], lease_ms=LEASE_MS)
    await old.tick()
    fence = old.fence(p)
    assert fence is not None
    assert fence.startswith("old ")
    await redis.delete(keys.lease(p, GROUP))  # the lease lapsed while "old" was paused
    new = Leases(redis, GROUP, "new", [p], lease_ms=LEASE_MS)
    await new.tick()
    assert new.fence(p) not in (None, fence), "the next holder's fence differs (the epoch grew)"
    view = fold(None, busy_case("fenced").events[:1], "fenced")
    assert view is not None
    views = ViewStore(redis)
    with pytest.raises(LeaseLost):
        await views.write(p, [Write("fenced", 0, view)], fence)
    assert await redis.hget(store.keys(p).views, "fenced") is None
    assert await redis.xlen(store.keys(p).updates) == 0
    assert await views.write(p, [Write("fenced", 0, view)], new.fence(p)) == set()
    assert await redis.hget(store.keys(p).views, "fenced") is not None


async def test_a_paused_holder_is_fenced_and_the_views_stay_right(store: EventStore) -> None:
    """A holder paused mid-batch past its lease: another worker takes the partition and projects it; when the
    paused one wakes, its write is fenced, and the views still equal the fold (no write from the old batch)."""
    a = leased(store, "wa", partitions=[0])
    go_on, in_write = asyncio.Event(), asyncio.Event()
    real_write = a.projector.views.write
    fenced: list[bool] = []

    async def paused(partition: int, writes: Any, fence: str | None = None) -> set[str]:
        in_write.set()
        await go_on.wait()
        try:
            return await real_write(partition, writes, fence)
        except LeaseLost:
            fenced.append(True)
            raise

    a.projector.views.write = paused  # type: ignore[method-assign]
    cases = [c for c in (busy_case(f"pause-{i}") for i in range(40)) if store.partition_of(c.case_id) == 0][:4]
    async with running(a):
        await eventually(lambda: _holds(a, 0), 5, "the first worker to take partition 0")
        await append_all(store, cases[:1])
        await asyncio.wait_for(in_write.wait(), 5)
        assert a.leases is not None
        a.leases.tick = _frozen  # type: ignore[method-assign]  # its lease lapses: it renews nothing any more
        b = leased(store, "wb", partitions=[0])
        async with running(b):
            await eventually(lambda: _holds(b, 0), LEASE_MS / 1000 + 3, "the second worker to take partition 0")
            await append_all(store, cases[1:])
            await views_are(store, expected(cases))
            go_on.set()
            await eventually(lambda: _true(bool(fenced)), 5, "the paused worker's write to be fenced")
            await caught_up(store)
            await views_are(store, expected(cases))
    assert await diff(store.redis, store) == []


async def _frozen() -> None:
    await asyncio.sleep(0)


async def _holds(worker: Worker, partition: int) -> bool:
    return partition in held(worker)


async def _true(value: bool) -> bool:
    return value


async def test_a_failed_batch_is_never_handed_again_without_a_lease(store: EventStore) -> None:
    """A batch fails while its worker's lease lapses and another takes the partition: its entries are not handed
    one at a time without a fence (which would write unchecked); nothing is written or acked by the old holder."""
    a = leased(store, "wa", partitions=[0])
    handed: list[str | None] = []

    async def failing(batch: Any) -> Any:
        handed.append(batch.fence)
        assert a.leases is not None
        a.leases.tick = _frozen  # type: ignore[method-assign]  # its lease lapses meanwhile
        await asyncio.sleep(LEASE_MS / 1000 + 0.3)
        await store.redis.set(keys.lease(0, GROUP), "other 99", px=10_000)  # and another worker holds it
        raise ValueError("this batch fails")

    a.follower.handler = failing
    case = next(c for c in (busy_case(f"alone-{i}") for i in range(40)) if store.partition_of(c.case_id) == 0)
    async with running(a):
        await eventually(lambda: _holds(a, 0), 5, "the worker to take partition 0")
        await append_all(store, [case])
        await eventually(lambda: _true(bool(handed)), 5, "the batch to be handed")
        await asyncio.sleep(0.5)  # time for the one-at-a-time retry the fix forbids
    assert handed
    assert all(fence is not None for fence in handed), handed
    assert (await store.redis.xpending(store.keys(0).log, GROUP))["pending"] > 0, "left to the lease's holder"


async def test_a_loop_stuck_in_a_batch_lets_its_lease_lapse_and_another_worker_projects(store: EventStore) -> None:
    """A live worker whose partition loop never comes back from a batch stops renewing that partition's lease;
    another worker takes the partition within a lease's time and projects it, the stuck entries included."""
    a, b = leased(store, "wa", partitions=[0]), leased(store, "wb", partitions=[0])
    stuck = asyncio.Event()

    async def hang(batch: Any) -> Any:
        stuck.set()
        await asyncio.Event().wait()

    a.follower.handler = hang
    cases = [c for c in (busy_case(f"stuck-{i}") for i in range(40)) if store.partition_of(c.case_id) == 0][:3]
    async with running(a):
        await eventually(lambda: _holds(a, 0), 5, "the first worker to take partition 0")
        await append_all(store, cases[:1])
        await asyncio.wait_for(stuck.wait(), 5)
        async with running(b):
            await eventually(lambda: _holds(b, 0), 2 * LEASE_MS / 1000 + 3, "the second worker to take partition 0")
            await append_all(store, cases[1:])
            await views_are(store, expected(cases))
        a.stop()
        await asyncio.sleep(0)


async def test_a_worker_that_lost_its_lease_cannot_park_an_entry(store: EventStore) -> None:
    """Parking under a lease no longer held raises LeaseLost and records nothing (no parked record, no count) for
    the next holder to obey; under the lease held now it records."""
    redis, p = store.redis, 0
    old = Leases(redis, GROUP, "old", [p], lease_ms=LEASE_MS)
    await old.tick()
    stale = old.fence(p)
    await redis.delete(keys.lease(p, GROUP))  # lapsed while "old" was paused
    new = Leases(redis, GROUP, "new", [p], lease_ms=LEASE_MS)
    await new.tick()
    with pytest.raises(LeaseLost):
        await Parking(redis, GROUP, "old").park(p, "1-1", "a stale worker's verdict", fence=stale)
    assert await redis.hlen(store.keys(p).parked) == 0
    assert await redis.hget(store.keys(p).parked_counts, GROUP) is None
    await Parking(redis, GROUP, "new").park(p, "1-1", "the holder's verdict", fence=new.fence(p))
    assert list(await redis.hkeys(store.keys(p).parked)) == [b"1-1"]


async def test_a_long_batch_that_makes_progress_keeps_its_lease(store: EventStore) -> None:
    """A batch that takes longer than the lease and than the stuck limit, but says it progresses (``beat``), is
    neither taken for hung nor handed over: it finishes under its first lease and the views are right."""
    a, b = leased(store, "wa", partitions=[0]), leased(store, "wb", partitions=[0])
    real = a.projector.handle

    async def slow(batch: Any) -> Any:
        for _ in range(10):  # 2.5 s in all: over the 1 s lease and the 1.5 s stuck limit
            await asyncio.sleep(0.25)
            batch.beat()
        return await real(batch)

    a.follower.handler = slow
    cases = [c for c in (busy_case(f"long-{i}") for i in range(40)) if store.partition_of(c.case_id) == 0][:2]
    async with running(a):
        await eventually(lambda: _holds(a, 0), 5, "the first worker to take partition 0")
        async with running(b):
            await append_all(store, cases)
            await views_are(store, expected(cases))
            assert not held(b), "the second worker never took the partition"
            assert await store.redis.get(keys.lease(0, GROUP)) == b"wa 1", "no handover: still the first lease"

"""Recovery: a worker cancelled mid-batch, a dead worker process, poison entries parked."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from services.projections.queries import backlog
from services.projections.rebuild import diff
from shared.readmodel.queries import get_view
from shared.redis_server import RedisServer
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
from tests.unit.projections.factory import CaseBuilder, busy_case

GROUP = keys.PROJECTIONS_GROUP


async def _pending(store: EventStore) -> int:
    total = 0
    for p in range(store.partitions):
        summary: Any = await store.redis.xpending(store.keys(p).log, GROUP)
        total += int(summary["pending"])
    return total


async def test_a_worker_cancelled_mid_batch_is_taken_over_by_reclaim(store: EventStore) -> None:
    """Entries a worker read but never finished are reclaimed by another worker, and the views end exact."""
    cases = [busy_case(f"case-{i}") for i in range(12)]
    await append_all(store, cases)
    doomed = fast_worker(store, "doomed", reclaim_idle_ms=60_000)
    in_write = asyncio.Event()

    async def hang(*_: Any) -> set[str]:
        in_write.set()
        await asyncio.Event().wait()  # never returns: the worker dies before writing anything
        return set()

    doomed.projector.views.write = hang  # type: ignore[method-assign]
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(in_write.wait(), timeout=10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert await _pending(store) > 0
    assert await store.redis.hlen(store.keys(store.partition_of("case-0")).views) == 0

    async with running(fast_worker(store, "rescuer", reclaim_idle_ms=50)) as rescuer:
        await views_are(store, expected(cases))
        await caught_up(store)
    assert rescuer.projector.stats.acked > 0
    assert await diff(store.redis, store) == []


async def test_a_departed_consumer_is_taken_over_then_forgotten(store: EventStore, redis: Redis) -> None:
    """Entries a consumer left pending past reclaim_idle_ms are taken over; once it holds nothing and has been
    idle past forget_idle_ms, it is deleted (judged by idle time and pending entries, never by its name)."""
    case = busy_case("case-dead")
    await append_all(store, [case])
    finished = await asyncio.create_subprocess_exec("true")
    await finished.wait()
    dead = f"{socket.gethostname()}-{finished.pid}"
    worker = fast_worker(store, "alive", reclaim_idle_ms=50, forget_idle_ms=200)
    await worker.ensure_groups()
    log = store.keys(store.partition_of("case-dead")).log
    await redis.xreadgroup(GROUP, dead, {log: ">"}, count=100)
    async with running(worker):
        await views_are(store, expected([case]))
        await caught_up(store)

        async def forgotten() -> bool:
            return dead.encode() not in [c["name"] for c in await redis.xinfo_consumers(log, GROUP)]

        await eventually(forgotten, 10, "the departed consumer to be deleted")


async def test_poison_entries_are_parked_and_later_cases_keep_flowing(store: EventStore, redis: Redis) -> None:
    """An unreadable entry and an unappliable event are retried, then parked; their case is stale; others flow."""
    before = [busy_case(f"case-{i}") for i in range(4)]
    await append_all(store, before)
    p = store.partition_of("case-poison")
    log = store.keys(p).log
    garbage = await redis.xadd(log, {"n": "999", "prev": "0" * 64, "hash": "0" * 64, "e": "not json {"})
    broken_event = json.dumps({"type": "HotlineCallLogged", "case_id": "case-poison", "case_version": 1})
    broken = await redis.xadd(log, {"n": "1000", "prev": "0" * 64, "hash": "0" * 64, "e": broken_event})
    after = [busy_case(f"late-{i}") for i in range(4)]
    await append_all(store, after)

    async with running(fast_worker(store, "w1", reclaim_idle_ms=20, max_deliveries=3, give_up_after=1000)) as worker:
        await views_are(store, expected(before + after) | {"case-poison": (await _stale_json())}, within=15)
        await caught_up(store)
    parked = {k.decode(): json.loads(v) for k, v in (await redis.hgetall(store.keys(p).parked)).items()}
    assert set(parked) == {garbage.decode(), broken.decode()}
    assert parked[garbage.decode()]["case_id"] is None
    assert "not JSON" in parked[garbage.decode()]["reason"]
    assert parked[broken.decode()]["case_id"] == "case-poison"
    assert "ValidationError" in parked[broken.decode()]["reason"]
    assert all(record["deliveries"] >= 3 for record in parked.values())
    assert worker.projector.stats.parked == 2
    view = await get_view(store.redis, store, "case-poison")
    assert view is not None
    assert (view.stale, view.version, view.counts.calls) == (True, 1, 0)
    assert await backlog(store.redis, store) == 0
    assert await diff(store.redis, store) == [], "the rebuild skips the same entries the worker parked"


async def _stale_json() -> bytes:
    from shared.readmodel.fold import Fold, encode_view

    fold = Fold(None, "case-poison")
    fold.skip_to(1)
    view = fold.view()
    assert view is not None
    return encode_view(view)


async def test_a_parked_event_does_not_block_its_case(store: EventStore, redis: Redis) -> None:
    """After a case's bad event is parked, the case's next events still apply on top of the stale view."""
    p = store.partition_of("case-block")
    log = store.keys(p).log
    case = CaseBuilder("case-block")
    case.call()
    case.letter_sent()
    # Version 1 is unreadable; the store's index never heard of it, so the real events start at version 2.
    bad = json.dumps({"type": "LetterSent", "case_id": "case-block", "case_version": 1, "event_id": "x"})
    await redis.xadd(log, {"n": "1", "prev": "0" * 64, "hash": "0" * 64, "e": bad})
    good = CaseBuilder("case-block")
    good.version = 1
    good.letter_received()
    good.call()
    await redis.hset(store.keys(p).heads, "case-block", "1 " + "0" * 64)
    await store.append("case-block", good.events, expected_version=1)
    async with running(fast_worker(store, "w1", reclaim_idle_ms=20, max_deliveries=2, give_up_after=1000)):

        async def applied() -> bool:
            view = await get_view(store.redis, store, "case-block")
            return view is not None and view.version == 3

        await eventually(applied, 15, "case-block to reach version 3")
        await caught_up(store)
    view = await get_view(store.redis, store, "case-block")
    assert view is not None
    assert (view.stale, view.counts.letters_received, view.counts.calls, view.counts.letters_sent) == (True, 1, 1, 0)
    assert await diff(store.redis, store) == []


async def test_an_entry_workers_keep_dying_on_is_parked_without_being_applied(store: EventStore, redis: Redis) -> None:
    """A reclaimed entry delivered more than give_up_after times is parked unapplied; its case goes on, stale."""
    case = CaseBuilder("case-crash")
    case.call()
    case.letter_sent()
    await append_all(store, [case], per_append=1)
    log = store.keys(store.partition_of("case-crash")).log
    worker = fast_worker(store, "w1", reclaim_idle_ms=20, give_up_after=10)
    await worker.ensure_groups()
    taken = await redis.xreadgroup(GROUP, "crashed", {log: ">"}, count=1)
    first = taken[0][1][0][0]
    # As if ten workers had each taken it over and died on it.
    await redis.xclaim(log, GROUP, "crashed", 0, [first], retrycount=11)
    async with running(worker):
        await caught_up(store)
    parked = json.loads(await redis.hget(store.keys(store.partition_of("case-crash")).parked, first))
    assert "without being finished" in parked["reason"]
    view = await get_view(store.redis, store, "case-crash")
    assert view is not None
    assert (view.version, view.stale, view.counts.calls, view.counts.letters_sent) == (2, True, 0, 1)
    differences = await diff(store.redis, store)
    assert [(d.case_id, d.problem) for d in differences] == [("case-crash", "different")]
    assert "stale" in {f.field for f in differences[0].fields}


async def test_the_worker_survives_redis_going_away(make_redis_server: Callable[..., RedisServer]) -> None:
    """Redis killed under a running worker and restarted: the worker keeps retrying, then projects the rest."""
    server = make_redis_server()
    client = Redis.from_url(server.url)
    try:
        store = await EventStore.create(client, 4)
        before = [busy_case(f"case-{i}") for i in range(4)]
        await append_all(store, before)
        async with running(fast_worker(store, "w1", reclaim_idle_ms=100)) as worker:
            await views_are(store, expected(before))
            _close_stderr(server)
            server.kill()

            async def noticed() -> bool:
                return worker.failures > 0

            await eventually(noticed, 10, "the worker to meet the dead Redis")
            server.start()
            _close_stderr(server)
            # The test's own writes must not meet a connection pooled before the kill (redis-py 8.1 has
            # no retries by default); the worker is left to find its way back by itself.
            await client.connection_pool.disconnect()
            after = [busy_case(f"late-{i}") for i in range(4)]
            await append_all(store, after)
            await views_are(store, expected(before + after), within=20)
            await caught_up(store)
        assert await diff(store.redis, store) == []
    finally:
        await client.aclose()


def _close_stderr(server: RedisServer) -> None:
    # RedisServer keeps a stderr pipe per process it starts; close it, or it warns when collected.
    if server.process is not None and server.process.stderr is not None:
        server.process.stderr.close()

"""A live consumer is never taken for a dead one: not by its name, only by its idle time and what it holds."""

from __future__ import annotations

import asyncio
import socket

from redis.asyncio import Redis

from shared.store import EventStore, keys
from tests.integration.projections.helpers import append_all, eventually, fast_worker, live, running
from tests.unit.projections.factory import busy_case

GROUP = keys.PROJECTIONS_GROUP


async def test_a_live_consumer_named_like_a_dead_pid_keeps_its_entries(store: EventStore, redis: Redis) -> None:
    """A consumer named ``<this host>-<a pid that no longer runs>`` (another PID namespace) keeps its pending entry."""
    finished = await asyncio.create_subprocess_exec("true")
    await finished.wait()
    lookalike = f"{socket.gethostname()}-{finished.pid}"
    held = busy_case("case-held")
    await append_all(store, [held])
    log = store.keys(store.partition_of(held.case_id)).log
    worker = fast_worker(store, "w1", reclaim_idle_ms=600_000)
    await worker.ensure_groups()
    taken = await redis.xreadgroup(GROUP, lookalike, {log: ">"}, count=1)
    [(entry_id, _)] = taken[0][1]
    async with running(worker):
        other = busy_case("case-other")
        await append_all(store, [other])

        async def started() -> bool:
            return worker.sweeps >= 1 and other.case_id in await live(store)

        await eventually(started, 10, "the worker to project another case and sweep once")
    consumers = {c["name"]: c["pending"] for c in await redis.xinfo_consumers(log, GROUP)}
    assert consumers.get(lookalike.encode()) == 1, f"the live consumer lost its entry: {consumers}"
    [pending] = await redis.xpending_range(log, GROUP, min=entry_id, max=entry_id, count=1)
    assert pending["consumer"] == lookalike.encode()

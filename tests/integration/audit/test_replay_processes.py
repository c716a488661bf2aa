"""The replay dealt over processes reports its progress, and folds to an instant as one process does."""

from __future__ import annotations

from datetime import timedelta

from services.projections.rebuild import replay, replay_in_processes
from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.projections.helpers import append_all
from tests.unit.projections.factory import START, busy_case


async def test_progress_comes_from_every_process_and_reaches_the_total(
    store: EventStore, redis_server: RedisServer
) -> None:
    """Each process's progress lines add up: the counts reported only grow and end at every event."""
    await append_all(store, [busy_case(f"progress-{i}") for i in range(40)])
    seen: list[int] = []
    done = await replay_in_processes(redis_server.url, store.partitions, 2, progress=seen.append)
    assert done.audit.ok
    assert seen == sorted(seen)
    assert seen[-1] == done.audit.events == 240


async def test_folding_to_an_instant_is_the_same_in_one_process_or_two(
    store: EventStore, redis_server: RedisServer
) -> None:
    """Cases folded up to an instant: three events recorded by then give version 3, in one process or dealt
    over two; verify-only replays fold nothing."""
    await append_all(store, [busy_case(f"until-{i}") for i in range(8)])
    until = START + timedelta(minutes=3, seconds=5)
    here = await replay(store, until=until)
    there = await replay_in_processes(redis_server.url, store.partitions, 2, until=until)
    assert here.views == there.views
    assert {v.version for v in here.views.values()} == {3}
    assert len(here.views) == 8
    assert (await replay_in_processes(redis_server.url, store.partitions, 2, views=False)).views == {}

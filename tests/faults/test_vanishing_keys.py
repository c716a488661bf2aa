"""Streams and consumer groups deleted under running services: recreated, or a clear stop, never a silent stall."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.readmodel.queries import get_view
from shared.store import EventStore, keys
from tests.faults.conftest import Stack, eventually
from tests.faults.ledger import projections_agree
from tests.faults.reporter import Reporter
from tests.unit.hotline.reports import log_call

INTAKE = keys.intake("hotline")
ANSWER_WITHIN = 20.0
"""A report sent after the damage must be answered within this; the reporter never resends meanwhile."""


def _damages(redis: Redis) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    return [
        ("the intake's consumer group destroyed", lambda: redis.xgroup_destroy(INTAKE, "hotline")),
        ("the intake stream deleted", lambda: redis.delete(INTAKE)),
        ("the outcomes stream deleted", lambda: redis.delete(keys.OUTCOMES)),
        ("the dead-letter stream deleted", lambda: redis.delete(keys.dead_letters("hotline"))),
    ]


@pytest.mark.slow
async def test_the_hotline_recreates_what_vanished_and_answers_on(stack: Stack, store: EventStore) -> None:
    """Intake group destroyed, intake deleted, outcomes and dead letters deleted, one after the other, under a
    running hotline: the same process recreates what it reads from and answers the next report each time."""
    await stack.started("hotline")
    pid = stack.processes["hotline"].pid
    async with Reporter(stack.url, resend_after=ANSWER_WITHIN * 2) as reporter:
        assert (await reporter.send(log_call("vanish-0"), within=ANSWER_WITHIN)).status == "accepted"
        for n, (what, damage) in enumerate(_damages(store.redis), start=1):
            await damage()
            outcome = await reporter.send(log_call(f"vanish-{n}"), within=ANSWER_WITHIN)
            assert outcome.status == "accepted", (what, outcome)
        malformed = await reporter.send({"command_id": "vanish-bad", "type": "LogCall"}, within=ANSWER_WITHIN)
        assert malformed.reason is not None
        assert malformed.reason.code == "malformed"
        assert reporter.resends == 0, "every answer came without sending a report twice"
    assert stack.alive("hotline")
    assert stack.processes["hotline"].pid == pid, "recreated in place, not by a restart"
    assert stack.log("hotline").count('"event": "intake_lost"') == 2, "group destroyed and stream deleted, each said"
    assert await store.redis.xlen(keys.dead_letters("hotline")) == 1


@pytest.mark.slow
async def test_the_projections_recreate_their_groups_and_update_streams(stack: Stack, store: EventStore) -> None:
    """Every partition's projections group destroyed and its case-updates stream deleted under a running worker:
    it recreates the groups at 0 and goes on; later reports are projected and the views equal a rebuild."""
    await stack.started("hotline")
    await stack.started("projections")
    async with Reporter(stack.url, resend_after=ANSWER_WITHIN * 2) as reporter:
        before = [await reporter.send(log_call(f"proj-{i}"), within=ANSWER_WITHIN) for i in range(8)]
        await projections_agree(store, within=ANSWER_WITHIN)
        for p in range(store.partitions):
            await store.redis.xgroup_destroy(store.keys(p).log, keys.PROJECTIONS_GROUP)
            await store.redis.delete(store.keys(p).updates)
        after = [await reporter.send(log_call(f"proj-late-{i}"), within=ANSWER_WITHIN) for i in range(8)]

    async def projected() -> bool:
        views = [await get_view(store.redis, store, o.case_id or "") for o in before + after]
        return all(v is not None and v.version == 1 for v in views)

    await eventually(projected, ANSWER_WITHIN, "every case's view after the groups were destroyed")
    await projections_agree(store, within=ANSWER_WITHIN)
    assert stack.alive("projections")
    assert "projections group missing; creating it again at 0" in stack.log("projections")
    assert sum([await store.redis.xlen(store.keys(p).updates) for p in range(store.partitions)]) >= len(after)


async def test_an_intake_that_is_no_longer_a_stream_stops_the_hotline_with_a_clear_error(
    stack: Stack, store: EventStore
) -> None:
    """The intake key replaced by a string (nothing the hotline may repair): it exits 2 naming the key and what
    to do, rather than retrying reads for ever."""
    await stack.started("hotline")
    await store.redis.delete(INTAKE)
    await store.redis.set(INTAKE, "not a stream")
    process = stack.processes["hotline"]

    async def exited() -> bool:
        return process.poll() is not None

    await eventually(exited, 20, "the hotline to stop")
    assert process.returncode == 2
    said = stack.log("hotline")
    assert f"hotline: stopped: {INTAKE} is a string, not a stream" in said
    assert "delete it" in said

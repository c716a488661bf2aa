"""kill -9 the incidents service at random points of a simulated run of incidents, handovers, patrols and calls."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from typing import Any

import pytest

from shared.store import EventStore, keys
from tests.faults.conftest import Stack
from tests.faults.ledger import all_answered, projections_agree, reconcile, simulators, views_match_senders

SIMULATORS = 2
REPORTS_EACH = 2500
"""5,000 reports of every kind; about two in five go to the incidents service."""
IDLE_MS = "2000"
"""A killed instance's entries are taken over by its successor's reclaim after this long."""
GROUP = "incidents"
"""The incidents service's group, on its intake and on every partition log (it follows the hotline's events)."""


async def _held(store: EventStore, consumer: str) -> int:
    """Entries the incidents instance holds right now: delivered to it on its intake or a partition log, not acked."""
    streams = [keys.intake("incidents"), *(store.keys(p).log for p in range(store.partitions))]
    async with store.redis.pipeline(transaction=False) as pipe:
        for stream in streams:
            pipe.xpending(stream, GROUP)
        summaries: list[Any] = await pipe.execute(raise_on_error=False)
    return sum(
        int(c["pending"])
        for s in summaries
        if isinstance(s, dict)
        for c in s["consumers"] or []
        if c["name"].decode() == consumer
    )


async def _kill_mid_work(stack: Stack, store: EventStore) -> int:
    """kill -9 the incidents service at the first moment it holds entries (looking for up to 2 s); what it held."""
    consumer = stack.consumer("incidents")
    deadline = time.monotonic() + 2
    held = await _held(store, consumer)
    while held == 0 and time.monotonic() < deadline:
        held = await _held(store, consumer)
    stack.kill("incidents")
    return held


@pytest.mark.slow
async def test_kill_9_of_the_incidents_service_mid_run_loses_nothing_and_doubles_nothing(
    stack: Stack, store: EventStore
) -> None:
    """5,000 simulated reports of every kind while the incidents service is killed -9 and restarted three times:
    every report sent accepted, once (follow-ups it submits itself answered once too), every accepted event once
    at its position, each overdue deadline recorded once, no audit breach, the rebuilt views equal the live
    ones, and every view as the senders recorded its case."""
    seed = int(os.environ.get("LIAISON_FAULT_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    await stack.started("hotline")
    await stack.started("incidents", LIAISON_RECLAIM_IDLE_MS=IDLE_MS)
    await stack.started("projections")
    running = await simulators(stack, SIMULATORS, REPORTS_EACH, seed)
    kills: list[int] = []
    finished = []
    try:
        for _ in range(3):
            await asyncio.sleep(rng.uniform(0.5, 2.0))
            if all(s.process.returncode is not None for s in running):
                break
            kills.append(await _kill_mid_work(stack, store))
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            stack.start("incidents", LIAISON_RECLAIM_IDLE_MS=IDLE_MS)
        for simulator in running:
            code, summary, ids, err = await simulator.finish(within=150)
            assert "unanswered" in summary, f"seed {seed}: simulate failed ({code}): {err}"
            finished.append((summary, ids))
    finally:
        for simulator in running:
            await simulator.stop()
    summaries = [summary for summary, _ in finished]
    totals = [{k: v for k, v in s.items() if k != "cases"} for s in summaries]  # for messages: cases are many
    sent = [command_id for _, ids in finished for command_id in ids]

    assert any(kills), f"seed {seed}: never killed with work in hand: {kills}"
    assert sum(s["unanswered"] for s in summaries) == 0, f"seed {seed}: {totals}"
    assert len(sent) == len(set(sent)) == SIMULATORS * REPORTS_EACH, f"seed {seed}: {len(sent)} sent"
    await all_answered(store.redis, sent)
    ledger = await reconcile(store, sent)
    assert len(ledger.outcomes) == SIMULATORS * REPORTS_EACH
    # Every report the senders sent is accepted: a crash must never surface as a failure the sender sees.
    assert len(ledger.accepted) == SIMULATORS * REPORTS_EACH, f"seed {seed}: {ledger.rejected_codes()}"
    assert sum(s["accepted"] for s in summaries) == SIMULATORS * REPORTS_EACH, f"seed {seed}: {totals}"
    assert ledger.accepted_events == sum(s["events"] for s in summaries)
    incidents_cases = [o for o in ledger.accepted.values() if o.case_id and not o.case_id.startswith("HL-")]
    assert incidents_cases, f"seed {seed}: the incidents service accepted nothing"
    derived_rejected = Counter(o.reason.code for o in ledger.derived.values() if o.reason is not None)
    assert "processing_failed" not in derived_rejected, derived_rejected
    await projections_agree(store)
    await views_match_senders(store, ledger, {c: n for s in summaries for c, n in s["cases"].items()})
    assert stack.alive("incidents")

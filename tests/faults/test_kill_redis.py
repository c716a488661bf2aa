"""kill -9 redis-server (AOF, fsync always) mid-run and start it again on the same data."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from shared.outcomes import Outcome
from shared.store import EventStore
from tests.faults.conftest import Stack, eventually, restart_redis
from tests.faults.ledger import projections_agree, reconcile
from tests.faults.reporter import Reporter
from tests.unit.hotline.reports import acknowledge, log_call
from tests.unit.incidents import incident_reports

CONVERSATIONS = 1200
"""Each one a report that opens a case, then the other side's acknowledgement: 2,400 reports."""


def _hotline_opening(n: int) -> dict[str, Any]:
    return log_call(f"call-{n}")


def _hotline_answer(n: int, opened: Outcome) -> dict[str, Any]:
    return acknowledge(opened.case_id or "", opened.events[0].event_id, f"ack-{n}")


def _incident_opening(n: int) -> dict[str, Any]:
    return incident_reports.raise_incident(command_id=f"incident-{n}")


def _incident_answer(n: int, opened: Outcome) -> dict[str, Any]:
    return incident_reports.acknowledge(command_id=f"incident-ack-{n}", case_id=opened.case_id)


CONVERSATION = {
    "hotline": (_hotline_opening, _hotline_answer),
    "incidents": (_incident_opening, _incident_answer),
}
"""Per intake service: the report that opens a case and the one that answers it."""
SENDERS = 40
OUTAGE_S = 3.0
"""How long Redis stays dead: long enough for every loop of both services to fail several times."""
IDLE_MS = "30000"
"""The services' default reclaim idle time: recovery here may not lean on another consumer's reclaim."""
RESEND_AFTER_S = 25.0
"""The reporter sends a report again only if unanswered this long: well beyond how long recovery may take."""


@pytest.mark.slow
@pytest.mark.parametrize("service", ["hotline", "incidents"])
async def test_redis_killed_mid_run_keeps_every_accepted_report_and_the_services_carry_on(
    stack: Stack, store: EventStore, service: str
) -> None:
    """Redis dies (kill -9) a third of the way through and comes back on its AOF 3 s later: every report answered
    "accepted" is in the log, and the intake service and the projections reconnect by themselves and finish the
    run without any report being sent twice."""
    opening, answer = CONVERSATION[service]
    await stack.started(service, LIAISON_RECLAIM_IDLE_MS=IDLE_MS)
    await stack.started("projections", LIAISON_RECLAIM_IDLE_MS=IDLE_MS)
    numbers = itertools.count()
    seen: dict[str, Outcome] = {}
    after_restart: list[str] = []
    restarted = asyncio.Event()

    async def converse(reporter: Reporter) -> None:
        while (n := next(numbers)) < CONVERSATIONS:
            opened = await reporter.send(opening(n))
            seen[opened.command_id] = opened
            assert opened.status == "accepted", opened
            ack = await reporter.send(answer(n, opened))
            seen[ack.command_id] = ack
            if restarted.is_set():
                after_restart.append(ack.command_id)

    async with Reporter(stack.url, resend_after=RESEND_AFTER_S) as reporter:
        senders = [asyncio.create_task(converse(reporter)) for _ in range(SENDERS)]

        async def a_third_answered() -> bool:
            return len(seen) >= 2 * CONVERSATIONS // 3

        await eventually(a_third_answered, 60, "a third of the reports to be answered")
        stack.server.kill()
        killed_at = time.monotonic()
        before_kill = dict(seen)

        async def both_noticed() -> bool:
            return "Message fetch error" in stack.log(service) and "projections loop failed" in stack.log(
                "projections"
            )

        await eventually(both_noticed, 15, "both services to meet the dead Redis", every=0.1)
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - killed_at)))  # the outage itself, not a wait
        restart_redis(stack.server)
        await store.redis.connection_pool.disconnect()  # this test's own idle connections died with the server
        restarted.set()
        await asyncio.wait_for(asyncio.gather(*senders), timeout=120)
        assert reporter.errors > 0, "the outage must have hit the senders"
        # Entries read or half-processed when Redis died are finished by the same live processes, soon after
        # it returns: no report had to wait for the 30 s reclaim or be sent twice.
        assert reporter.resends == 0

    assert stack.alive(service), stack.log(service)[-3000:]
    assert stack.alive("projections"), stack.log("projections")[-3000:]
    assert len(after_restart) > CONVERSATIONS // 4, "the services must carry on after Redis comes back"
    assert all(seen[c].status == "accepted" for c in after_restart), [seen[c] for c in after_restart][:3]
    ledger = await reconcile(store, set(seen))
    for command_id, outcome in before_kill.items():
        assert ledger.outcomes[command_id] == outcome, f"{command_id} answered before the crash, changed after it"
    assert len(ledger.accepted) == 2 * CONVERSATIONS
    await projections_agree(store)

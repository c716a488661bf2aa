"""The incidents service takes reports from its intake: accepted, rejected, malformed, resent."""

from __future__ import annotations

import msgspec
from redis.asyncio import Redis

from services.incidents.domain import reasons as reasons
from shared.events import IncidentAcknowledged, IncidentRaised
from shared.outcomes import Outcome
from shared.store import EventStore
from shared.vault.store import Vault, new_subject_id
from tests.integration.incidents.conftest import (
    DEAD,
    RunIncidents,
    events_of,
    eventually,
    outcome_of,
    outcomes_of,
    send,
)
from tests.unit.incidents import handover_reports as ho
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import MINOR, VICTIM, text


async def test_a_raised_incident_is_accepted_and_recorded(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """A RaiseIncident on the intake gets an accepted outcome and its IncidentRaised is in the log."""
    async with run_incidents():
        await send(redis, inc.raise_incident(command_id="raise-1"))
        outcome = await outcome_of(redis, "raise-1")
    assert outcome.status == "accepted"
    assert outcome.case_id is not None
    assert outcome.case_id.startswith("IN-")
    [event] = await events_of(store, outcome.case_id)
    assert isinstance(event, IncidentRaised)
    assert event.category == "person_crossing"


async def test_an_acknowledgement_by_the_raising_country_is_rejected(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """A unit of the same country as the raiser cannot acknowledge; one across the border can."""
    async with run_incidents():
        await send(redis, inc.raise_incident(command_id="raise-1"))
        case_id = (await outcome_of(redis, "raise-1")).case_id
        await send(redis, inc.acknowledge(command_id="ack-vn", case_id=case_id, unit="VN-LC-BGC"))
        await send(redis, inc.acknowledge(command_id="ack-cn", case_id=case_id))
        refused = await outcome_of(redis, "ack-vn")
        accepted = await outcome_of(redis, "ack-cn")
    assert refused.status == "rejected"
    assert refused.reason is not None
    assert refused.reason.code == reasons.SAME_SIDE
    assert accepted.status == "accepted"
    assert case_id is not None
    assert [type(e) for e in await events_of(store, case_id)] == [IncidentRaised, IncidentAcknowledged]


async def test_a_victim_handover_goes_from_proposal_to_completion(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Propose, verify, assess, consent, accept, schedule, execute, complete: each accepted in turn."""
    async with run_incidents():
        await send(redis, ho.propose(command_id="ho-0"))
        opened = await outcome_of(redis, "ho-0")
        assert opened.status == "accepted", opened
        case_id = opened.case_id
        steps = [
            *(ho.verify(VICTIM), ho.verify(MINOR), ho.assess()),
            *(ho.consent(VICTIM), ho.consent(MINOR, given_by="guardian")),
            *(ho.accept(), ho.schedule(), ho.execute(), ho.complete()),
        ]
        for n, step in enumerate(steps, 1):
            step.update(command_id=f"ho-{n}", case_id=case_id)
            await send(redis, step)
        answers = [await outcome_of(redis, step["command_id"]) for step in steps]
    assert [a.status for a in answers] == ["accepted"] * len(steps), answers
    assert case_id is not None
    types = [type(e).__name__ for e in await events_of(store, case_id)]
    assert types[0] == "HandoverProposed"
    assert types[-4:] == ["HandoverAccepted", "HandoverScheduled", "HandoverExecuted", "HandoverCompleted"]


async def test_a_malformed_report_is_dead_lettered_and_the_service_goes_on(
    redis: Redis, run_incidents: RunIncidents
) -> None:
    """Invalid UTF-8, a report with a wrong field, then a good one: two dead letters, the good one accepted."""
    async with run_incidents() as service:
        await send(redis, b'{"type": "RaiseIncident", "command_id": "bad-\xff"}')
        await send(redis, inc.raise_incident(command_id="bad-2", impact="catastrophic"))
        await send(redis, inc.raise_incident(command_id="good"))
        good = await outcome_of(redis, "good")
        bad = await outcome_of(redis, "bad-2")
        dead = await eventually(lambda: _dead(redis, 2), what="two dead letters")
        assert service.reading
    assert good.status == "accepted"
    assert bad.status == "rejected"
    assert bad.reason is not None
    assert bad.reason.code == reasons.MALFORMED
    assert "impact" in bad.reason.message
    reasons_given = [fields[b"reason"].decode() for _, fields in dead]
    assert "UTF-8" in reasons_given[0]
    assert "impact" in reasons_given[1]


async def _dead(redis: Redis, count: int) -> list[tuple[bytes, dict[bytes, bytes]]] | None:
    entries = await redis.xrange(DEAD)
    return entries if len(entries) >= count else None


async def test_a_report_sent_twice_records_one_set_of_events(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """The same command id twice (also across two instances): one event, and both answers name it."""
    report = msgspec.json.encode(inc.raise_incident(command_id="twice"))
    async with run_incidents("one"), run_incidents("two"):
        await send(redis, report)
        await send(redis, report)
        both = await eventually(lambda: _two_outcomes(redis, "twice"), what="two outcomes of the resent report")
    assert [o.status for o in both] == ["accepted", "accepted"]
    assert both[0].events == both[1].events
    case_id = both[0].case_id
    assert case_id is not None
    assert len(await events_of(store, case_id)) == 1


async def _two_outcomes(redis: Redis, command_id: str) -> list[Outcome] | None:
    found = await outcomes_of(redis, command_id)
    return found if len(found) >= 2 else None


async def test_a_summary_naming_a_vault_subject_is_refused_and_nothing_recorded(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Free text naming a person held in the vault is rejected before decide, so the name never enters the log."""
    subject = new_subject_id()
    await Vault(redis).put(subject, {"name": "Vàng Thị Mỷ", "born": "2009"})
    named = inc.raise_incident(command_id="raise-named", summary=text("Vàng Thị Mỷ được tìm thấy gần mốc 104(2)"))
    async with run_incidents():
        await send(redis, named)
        await send(redis, inc.raise_incident(command_id="raise-clean"))
        refused = await outcome_of(redis, "raise-named")
        accepted = await outcome_of(redis, "raise-clean")
    assert refused.status == "rejected"
    assert refused.reason is not None
    assert refused.reason.code == reasons.NAMES_VAULT_SUBJECT
    assert subject not in refused.reason.message  # a sender could otherwise probe names for subject ids
    assert "Mỷ" not in refused.reason.message
    assert accepted.status == "accepted"
    for p in range(store.partitions):
        for entry in await store.read_partition(p):
            assert "Mỷ".encode() not in entry.data

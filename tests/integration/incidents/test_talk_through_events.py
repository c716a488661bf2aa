"""Services talk through events: urgent hotline calls in the log open incidents; patrol findings raise them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from redis.asyncio import Redis

from services.incidents.calls import incident_case_of
from services.incidents.domain import default_policy
from services.incidents.domain.follow_ups import finding_command_id
from shared.events import (
    AnyEvent,
    CasesLinked,
    ConfirmationOverdue,
    HotlineCallLogged,
    IncidentRaised,
    Instant,
    Text,
    UrgentCallConfirmedInWriting,
)
from shared.events.ids import event_id
from shared.store import EventStore
from tests.integration.incidents.conftest import RunIncidents, events_of, eventually, outcome_of, outcomes_of, send
from tests.unit.incidents import patrol_reports as patrol

VN, CN = "VN-LC-IBGS", "CN-HK-IBCS"
QUICK = msgspec.structs.replace(default_policy(), confirm_within=timedelta(seconds=1))
"""Urgent calls must be confirmed in writing within a second."""


def _envelope(case_id: str, version: int, seed: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "event_id": event_id(now, seed, 0),
        "case_id": case_id,
        "case_version": version,
        "occurred_at": Instant.at(now, "+07:00"),
        "recorded_at": now,
        "unit": VN,
        "officer": "Capt Dinh",
        "causation_id": seed,
        "correlation_id": seed,
    }


def _call(
    case_id: str, version: int, *, urgent: bool = True, summary: str = "Hai người vượt biên gần mốc 104"
) -> HotlineCallLogged:
    """A call Lao Cai station logged with Hekou, as the hotline service records it."""
    envelope = _envelope(case_id, version, f"call-{case_id}-{version}")
    return HotlineCallLogged(
        **envelope,
        direction="outgoing",
        caller_unit=VN,
        callee_unit=CN,
        line="LC-HK-hotline-1",
        started_at=envelope["occurred_at"],
        summary=Text(original="vi", vi=summary),
        urgent=urgent,
        written_confirmation_required=urgent,
    )


async def _of_type(store: EventStore, case_id: str, kind: type[Any]) -> list[AnyEvent]:
    return [e for e in await events_of(store, case_id) if isinstance(e, kind)]


async def test_an_urgent_hotline_call_opens_one_incident_and_its_missed_confirmation_is_recorded_once(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Two instances read the call from the log: one incident, linked to the call's case, one ConfirmationOverdue."""
    hotline_case = "HL-URGENTCALL01"
    call = _call(hotline_case, 1)
    await store.append(hotline_case, [call], 0)
    incident = incident_case_of(hotline_case)
    async with run_incidents("one", policy=QUICK) as one, run_incidents("two", policy=QUICK) as two:
        [raised] = await eventually(lambda: _of_type(store, incident, IncidentRaised), what="the incident")
        [overdue] = await eventually(lambda: _of_type(store, incident, ConfirmationOverdue), what="the overdue event")
        start = [s.watch.scans for s in (one, two) if s.watch]
        await eventually(lambda: _advanced((one, two), start), what="three more scans")
    assert isinstance(raised, IncidentRaised)
    assert isinstance(overdue, ConfirmationOverdue)
    assert raised.linked_cases == (hotline_case,)
    assert (raised.raised_by, set(raised.parties)) == (VN, {VN, CN})
    assert raised.category == "person_crossing"
    assert (overdue.call_id, overdue.owed_by) == (call.event_id, (VN,))
    assert len(await _of_type(store, incident, ConfirmationOverdue)) == 1


async def _advanced(services: tuple[Any, ...], start: list[int]) -> bool:
    return all(s.watch.scans >= n + 3 for s, n in zip(services, start, strict=True))


async def test_a_later_urgent_call_is_linked_and_a_confirmed_call_owes_nothing(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """A second urgent call of the same hotline case links to the incident; both confirmed in time: no overdue."""
    hotline_case = "HL-URGENTCALL02"
    first, second = _call(hotline_case, 1), _call(hotline_case, 2, summary="Cháy rừng lan qua biên giới")
    confirmations = [
        UrgentCallConfirmedInWriting(
            **_envelope(hotline_case, 3 + i, f"confirm-{i}"),
            call_id=c.event_id,
            letter_reference=f"L-{i}",
            confirmed_at=Instant.at(datetime.now(UTC), "+07:00"),
        )
        for i, c in enumerate((first, second))
    ]
    await store.append(hotline_case, [first, second, *confirmations], 0)
    incident = incident_case_of(hotline_case)
    async with run_incidents(policy=QUICK) as service:
        [linked] = await eventually(lambda: _of_type(store, incident, CasesLinked), what="the link")
        watch = service.watch
        assert watch is not None
        scans, passed = watch.scans + 3, time.monotonic() + 1.2  # the confirmation deadline is a second away

        async def looked_after_deadline() -> bool:
            return watch.scans >= scans and time.monotonic() > passed

        await eventually(looked_after_deadline, what="scans after the deadline")
    assert isinstance(linked, CasesLinked)
    assert linked.relation == "hotline"
    assert len(await _of_type(store, incident, IncidentRaised)) == 1
    assert await _of_type(store, incident, ConfirmationOverdue) == []


async def test_a_call_that_is_not_urgent_opens_nothing(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Only urgent calls become incidents: after the reader caught up with the log, no incident case exists."""
    hotline_case = "HL-ROUTINECALL1"
    await store.append(hotline_case, [_call(hotline_case, 1, urgent=False)], 0)
    async with run_incidents() as service:
        partition = store.partition_of(hotline_case)

        async def caught_up() -> bool:
            summary = await redis.xpending(store.keys(partition).log, "incidents")
            info = await redis.xinfo_groups(store.keys(partition).log)
            return bool(int(summary["pending"]) == 0 and info and info[0]["entries-read"] == 1)

        await eventually(caught_up, what="the log read and acknowledged")
        assert service.hotline_events is not None
        assert service.hotline_events.calls == 0
    assert await store.read_case(incident_case_of(hotline_case)) == []


async def test_a_patrol_finding_raises_one_incident_even_when_the_patrol_report_is_resent(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """RecordPatrol with a finding marked raise_incident, sent twice: one incident, linked to the patrol."""
    async with run_incidents():
        await send(redis, patrol.bilateral(command_id="pt-1"))
        case_id = (await outcome_of(redis, "pt-1")).case_id
        record = patrol.record_patrol(command_id="pt-2", case_id=case_id)
        await send(redis, record)
        recorded = await outcome_of(redis, "pt-2")
        assert recorded.status == "accepted", recorded
        follow_up = finding_command_id(recorded.events[0].event_id, 0)
        raised = await outcome_of(redis, follow_up)
        await send(redis, record)
        await eventually(lambda: _two(outcomes_of(redis, "pt-2")), what="the resend answered")
        await eventually(lambda: _two(outcomes_of(redis, follow_up)), what="the follow-up submitted again")
    assert raised.status == "accepted", raised
    assert raised.case_id is not None
    [event] = await events_of(store, raised.case_id)
    assert isinstance(event, IncidentRaised)
    assert (event.category, event.linked_cases) == ("border_marker_damage", (case_id,))
    answers = await outcomes_of(redis, follow_up)
    assert {a.case_id for a in answers} == {raised.case_id}
    assert answers[0].events == answers[1].events


async def _two(pending: Any) -> bool:
    return len(await pending) >= 2

"""Deadlines as pure policy: exactly one overdue event per missed obligation, with a deterministic id."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from services.incidents.domain import UrgentCall, confirmation_due, default_policy, due, fold, overdue_event_id
from shared.events import AcceptanceOverdue, AcknowledgementOverdue, ConfirmationOverdue
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents import incident_reports as incident
from tests.unit.incidents import patrol_reports as patrol
from tests.unit.incidents.reports import CN, NOW, VICTIM, VN, Case

DAY = timedelta(hours=24)


def _incident() -> Case:
    case = Case()
    case.do(incident.raise_incident(at="2026-11-23T09:30:00+07:00"))  # reported at NOW: the deadline runs from it
    return case


def test_no_overdue_event_before_the_deadline() -> None:
    """At exactly 24 h after the incident was recorded, nothing is due yet."""
    assert due(_incident().state, NOW + DAY, default_policy()) == []


def test_an_unacknowledged_incident_is_overdue_after_24_hours() -> None:
    """One second past the deadline: one AcknowledgementOverdue, owed by the units across the border."""
    case = _incident()
    later = NOW + DAY + timedelta(seconds=1)
    [event] = due(case.state, later, default_policy())
    assert isinstance(event, AcknowledgementOverdue)
    assert (event.deadline, event.owed_by, event.obligation) == (NOW + DAY, (CN,), "incident_acknowledgement")
    assert (event.case_id, event.case_version, event.unit, event.recorded_at) == (case.case_id, 2, VN, later)
    assert event.causation_id == case.events[0].event_id
    assert event.occurred_at.offset == "+07:00"


def test_the_overdue_event_id_depends_only_on_case_obligation_and_deadline() -> None:
    """Two instances deciding at different instants, even at different versions, build the same event id."""
    case = _incident()
    policy = default_policy()
    [first] = due(case.state, NOW + DAY + timedelta(minutes=1), policy)
    case.do(incident.update(), NOW + timedelta(hours=1))
    [second] = due(case.state, NOW + 3 * DAY, policy)
    assert first.event_id == second.event_id == overdue_event_id(case.case_id, "incident_acknowledgement", NOW + DAY)
    assert first.recorded_at != second.recorded_at
    later_deadline = NOW + DAY + timedelta(seconds=1)
    assert overdue_event_id(case.case_id, "incident_acknowledgement", later_deadline) != first.event_id
    assert overdue_event_id("IN-OTHER", "incident_acknowledgement", NOW + DAY) != first.event_id


def test_once_recorded_an_overdue_event_is_never_due_again() -> None:
    """After folding the overdue event in, due returns nothing, however late."""
    case = _incident()
    events = due(case.state, NOW + 2 * DAY, default_policy())
    state = fold(case.case_id, events, case.state)
    assert due(state, NOW + 30 * DAY, default_policy()) == []


def test_acknowledged_or_closed_incidents_owe_nothing() -> None:
    """An acknowledgement, or closing the case, ends the obligation."""
    acknowledged = _incident()
    acknowledged.do(incident.acknowledge())
    closed = _incident()
    closed.do(incident.close())
    assert due(acknowledged.state, NOW + 2 * DAY, default_policy()) == []
    assert due(closed.state, NOW + 2 * DAY, default_policy()) == []


def test_the_deadline_recorded_in_the_event_wins_over_todays_policy() -> None:
    """An instance configured with 1 h today still uses the 24 h deadline written when the incident was raised."""
    short = msgspec.structs.replace(default_policy(), acknowledge_within=timedelta(hours=1))
    assert due(_incident().state, NOW + 2 * timedelta(hours=1), short) == []


def test_a_proposed_handover_unanswered_is_overdue() -> None:
    """Past accept_by with no answer: one AcceptanceOverdue owed by the receiving unit; none once answered."""
    case = Case()
    case.do(handover.propose_property())
    later = NOW + default_policy().accept_within + timedelta(seconds=1)
    [event] = due(case.state, later, default_policy())
    assert isinstance(event, AcceptanceOverdue)
    assert (event.owed_by, event.deadline) == ((CN,), NOW + default_policy().accept_within)
    case.do(handover.accept())
    assert due(case.state, later, default_policy()) == []


def test_a_victims_objection_pauses_the_acceptance_deadline() -> None:
    """The receiving side may not act while a victim objects, so no AcceptanceOverdue is recorded."""
    case = Case()
    case.do(handover.propose())
    case.do(handover.consent(VICTIM, decision="objects_to_notification"))
    assert due(case.state, NOW + 10 * DAY, default_policy()) == []


def test_patrols_and_meetings_owe_no_deadline() -> None:
    """due of a patrol case is empty."""
    case = Case()
    case.do(patrol.joint())
    assert due(case.state, NOW + 100 * DAY, default_policy()) == []


_CALL = UrgentCall(
    case_id="HL-ABCDEFGHIJKL",
    case_version=3,
    call_id="call-1",
    caller_unit=VN,
    callee_unit=CN,
    logged_at=NOW,
    correlation_id="thread-1",
)


def _call(**changes: object) -> UrgentCall:
    return msgspec.structs.replace(_CALL, **changes)


def test_an_urgent_calls_written_confirmation_is_overdue_once() -> None:
    """Past logged_at + confirm_within: one ConfirmationOverdue owed by the caller, id from (case, call, deadline)."""
    policy = default_policy()
    later = NOW + policy.confirm_within + timedelta(seconds=1)
    [event] = confirmation_due(_call(), later, policy)
    assert isinstance(event, ConfirmationOverdue)
    assert (event.owed_by, event.call_id, event.case_version, event.unit) == ((VN,), "call-1", 4, CN)
    [again] = confirmation_due(_call(case_version=5), later + DAY, policy)
    assert again.event_id == event.event_id
    assert confirmation_due(_call(), NOW + policy.confirm_within, policy) == []
    assert confirmation_due(_call(confirmed=True), later, policy) == []
    assert confirmation_due(_call(overdue_recorded=True), later, policy) == []
    assert confirmation_due(_call(call_id="call-2"), later, policy)[0].event_id != event.event_id

"""Views of incident, handover, patrol and meeting cases, folded from events the incidents domain decided."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.incidents.domain import due
from services.incidents.domain import fold as domain_fold
from shared.events import ConfirmationOverdue
from shared.events.union import EVENT_TYPES
from shared.readmodel import fold as views
from shared.readmodel.fold import CaseView, decode_view, encode_view, fold
from tests.unit.incidents import handover_reports as h
from tests.unit.incidents import incident_reports as i
from tests.unit.incidents import patrol_reports as p
from tests.unit.incidents.reports import CN, MINOR, NOW, VICTIM, VN, VN_OTHER, Case
from tests.unit.projections.factory import CaseBuilder


def _view(case: Case) -> CaseView:
    view = fold(None, case.events, case.case_id)
    assert view is not None
    return view


def _overdue(case: Case, after: timedelta) -> None:
    """Record the overdue events the domain says the case owes ``after`` NOW."""
    events = due(case.state, NOW + after, case.policy)
    assert events, "the case owes an overdue event by then"
    case.events += events
    case.state = domain_fold(case.case_id, events, case.state)


def _handover_through(*steps: str) -> Case:
    case = Case()
    case.do(h.propose())
    plan = {
        "verify": [h.verify(VICTIM), h.verify(MINOR)],
        "assess": [h.assess()],
        "consent": [h.consent(VICTIM), h.consent(MINOR, given_by="guardian")],
        "accept": [h.accept()],
        "schedule": [h.schedule()],
        "execute": [h.execute()],
        "complete": [h.complete()],
    }
    for step in steps:
        for body in plan[step]:
            case.do(body)
    return case


def test_every_event_type_has_a_view_rule() -> None:
    """No event type of the log falls through to counts.other."""
    assert set(EVENT_TYPES.values()) <= set(views._RULES)


def test_a_raised_incident_shows_its_facts_and_awaits_acknowledgement_across_the_border() -> None:
    """Category, impact, location and the acknowledgement owed by the unit across the border, with its deadline."""
    case = Case()
    case.do(i.raise_incident())
    view = _view(case)
    assert (view.kind, view.status) == ("incident", "awaiting_acknowledgement")
    assert view.parties == tuple(sorted((CN, VN, VN_OTHER)))
    assert view.incident is not None
    facts = view.incident
    assert (facts.category, facts.impact, facts.status) == ("person_crossing", "medium", "raised")
    assert view.incident.location.marker == "104(2)"
    assert view.incident.happened_at.vietnam == "2026-11-23T08:40:00+07:00"
    [owed] = view.obligations
    assert (owed.kind, owed.owed_by, owed.overdue) == ("incident_acknowledgement", CN, False)
    assert owed.due == view.incident.acknowledge_by
    assert owed.due is not None
    assert owed.due.utc == "2026-11-24T02:20:00Z"  # 24 h from the report's time (09:20 +07:00)


def test_acknowledgement_settles_the_obligation_and_updates_responses_links_and_close_show() -> None:
    """An incident acknowledged, updated, responded to, linked and closed shows each step and ends closed."""
    case = Case()
    case.do(i.raise_incident())
    case.do(i.acknowledge())
    view = _view(case)
    assert (view.status, view.obligations, view.counts.acknowledgements) == ("open", (), 1)
    assert view.incident is not None
    assert (view.incident.status, view.incident.acknowledged_by) == ("acknowledged", CN)
    case.do(i.update())
    case.do(i.respond())
    case.do(i.link())
    case.do(i.close())
    view = _view(case)
    assert (view.counts.updates, view.counts.responses, view.counts.links) == (1, 1, 1)
    assert view.linked_cases == ("HL-ABCDEFGHIJKL",)
    assert view.status == "closed"
    assert view.incident is not None
    assert (view.incident.impact, view.incident.last_response) == ("high", "patrol_dispatched")
    assert (view.incident.status, view.incident.close_reason) == ("closed", "resolved")


def test_an_overdue_acknowledgement_is_flagged_and_stays_in_the_record() -> None:
    """After AcknowledgementOverdue the obligation is overdue; a late acknowledgement settles it, the flag stays."""
    case = Case()
    case.do(i.raise_incident())
    _overdue(case, timedelta(hours=25))
    view = _view(case)
    assert [o.overdue for o in view.obligations] == [True]
    assert view.incident is not None
    assert (view.incident.overdue, view.counts.overdue) == (True, 1)
    case.do(i.acknowledge(), NOW + timedelta(hours=26))
    view = _view(case)
    assert view.obligations == ()
    assert view.incident is not None
    assert view.incident.overdue is True


def test_a_handover_moves_through_its_phases_to_completed() -> None:
    """proposed → verified → assessed → accepted → scheduled (both clocks) → executed → completed, then closed."""
    expected = [
        ((), "proposed", "awaiting_acceptance"),
        (("verify",), "verified", "awaiting_acceptance"),
        (("verify", "assess"), "assessed", "awaiting_acceptance"),
        (("verify", "assess", "consent", "accept"), "accepted", "open"),
        (("verify", "assess", "consent", "accept", "schedule"), "scheduled", "open"),
        (("verify", "assess", "consent", "accept", "schedule", "execute"), "executed", "open"),
        (("verify", "assess", "consent", "accept", "schedule", "execute", "complete"), "completed", "closed"),
    ]
    for steps, phase, status in expected:
        view = _view(_handover_through(*steps))
        assert view.handover is not None
        assert (view.kind, view.handover.phase, view.status) == ("handover", phase, status), steps
    view = _view(_handover_through(*expected[-1][0]))
    assert view.handover is not None
    assert view.handover.persons == (VICTIM, MINOR)
    assert view.handover.consents == {VICTIM: "given", MINOR: "given"}
    assert view.handover.gate == "Lao Cai–Hekou"
    assert view.handover.scheduled_for is not None
    assert (view.handover.scheduled_for.vietnam, view.handover.scheduled_for.china) == (
        "2026-11-24T09:00:00+07:00", "2026-11-24T10:00:00+08:00"
    )
    counts = view.counts
    assert (counts.verifications, counts.risk_assessments, counts.consents, counts.schedules) == (2, 1, 2, 1)


def test_a_victims_objection_blocks_the_handover_until_overridden() -> None:
    """An objection to notification shows the handover blocked; an authorised override lifts it."""
    case = _handover_through("verify", "assess")
    case.do(h.consent(VICTIM, decision="objects_to_notification"))
    view = _view(case)
    assert view.handover is not None
    assert view.handover.blocked is True
    case.do(h.consent(VICTIM, decision="objects_to_notification", override=h.override()))
    view = _view(case)
    assert view.handover is not None
    assert (view.handover.blocked, view.handover.consents[VICTIM]) == (False, "given")


def test_a_rejected_handover_is_closed_with_its_cause() -> None:
    """The receiving side's rejection ends the case: phase rejected, status closed, no acceptance owed."""
    case = _handover_through("verify")
    case.do(h.reject())
    view = _view(case)
    assert view.handover is not None
    assert (view.handover.phase, view.handover.rejection_cause, view.status) == (
        "rejected", "insufficient_information", "closed"
    )
    assert view.obligations == ()


def test_an_aborted_handover_is_closed() -> None:
    """An aborted handover shows phase aborted and status closed."""
    case = _handover_through("verify", "assess")
    case.do(h.abort())
    view = _view(case)
    assert view.handover is not None
    assert (view.handover.phase, view.status) == ("aborted", "closed")


def test_an_unanswered_handover_goes_overdue() -> None:
    """AcceptanceOverdue marks the acceptance owed by the receiving unit overdue, with its deadline."""
    case = Case()
    case.do(h.propose_property())
    _overdue(case, timedelta(hours=49))
    view = _view(case)
    [owed] = view.obligations
    assert (owed.kind, owed.owed_by, owed.overdue) == ("handover_acceptance", CN, True)
    assert view.handover is not None
    assert (view.handover.overdue, view.handover.subject_kind, view.handover.count) == (True, "livestock", 3)


def test_a_patrol_shows_its_schedule_then_its_record() -> None:
    """A scheduled bilateral patrol shows agreement, host, period and markers; its record the findings."""
    case = Case()
    case.do(p.bilateral())
    view = _view(case)
    assert view.patrol is not None
    assert (view.kind, view.patrol.status, view.patrol.period, view.patrol.markers) == (
        "patrol", "scheduled", "2026-Q4", "101-116"
    )
    assert view.patrol.starts_at.china == "2026-11-10T08:00:00+08:00"
    case.do(p.record_patrol())
    view = _view(case)
    assert view.patrol is not None
    assert (view.patrol.status, view.patrol.findings, view.patrol.incidents_raised, view.counts.findings) == (
        "recorded", 1, 1, 1
    )


def test_a_meeting_shows_its_minutes_signed() -> None:
    """Talks recorded, then minutes signed by both sides."""
    case = Case()
    case.do(p.meeting())
    view = _view(case)
    assert view.meeting is not None
    assert (view.kind, view.meeting.meeting_kind, view.meeting.status) == ("meeting", "talks", "recorded")
    case.do(p.sign())
    view = _view(case)
    assert view.meeting is not None
    assert (view.meeting.status, view.meeting.signatories, view.counts.minutes) == ("minutes_signed", (CN, VN), 1)


def test_a_confirmation_overdue_flags_the_urgent_calls_obligation() -> None:
    """ConfirmationOverdue on a hotline case marks that call's written confirmation overdue, not others."""
    b = CaseBuilder("HL-1")
    first = b.call(urgent=True, confirm=True)
    second = b.call(urgent=True, confirm=True)
    envelope = b._envelope(CN)
    b.events.append(
        ConfirmationOverdue(**envelope, deadline=envelope["recorded_at"], owed_by=(VN,), call_id=first.event_id)
    )
    view = fold(None, b.events, "HL-1")
    assert view is not None
    confirmations = {o.message_id: o.overdue for o in view.obligations if o.kind == "written_confirmation"}
    assert confirmations == {first.event_id: True, second.event_id: False}
    assert (view.counts.overdue, view.kind) == (1, "hotline")


def _histories() -> list[Case]:
    incident = Case()
    incident.do(i.raise_incident())
    _overdue(incident, timedelta(hours=25))
    for body in (i.acknowledge(), i.update(), i.respond(), i.link(), i.close()):
        incident.do(body, NOW + timedelta(hours=26))
    objection = _handover_through("verify", "assess")
    objection.do(h.consent(VICTIM, decision="objects_to_notification"))
    objection.do(h.consent(VICTIM, decision="objects_to_notification", override=h.override()))
    objection.do(h.abort())
    patrol = Case()
    patrol.do(p.bilateral())
    patrol.do(p.record_patrol())
    meeting = Case()
    meeting.do(p.meeting())
    meeting.do(p.sign())
    everything = ("verify", "assess", "consent", "accept", "schedule", "execute", "complete")
    return [incident, objection, patrol, meeting, _handover_through(*everything)]


HISTORIES = _histories()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_rebuild_equals_incremental(data: st.DataObject) -> None:
    """One fold over a case's events equals folding them in batches through stored JSON, with redeliveries."""
    case = data.draw(st.sampled_from(HISTORIES))
    at_once = fold(None, case.events, case.case_id)
    assert at_once is not None
    stored: bytes | None = None
    events = list(case.events)
    while events:
        size = data.draw(st.integers(min_value=1, max_value=len(events)))
        batch, events = events[:size], events[size:]
        view = decode_view(stored) if stored is not None else None
        replay = [*batch, *data.draw(st.lists(st.sampled_from(batch), max_size=2))]
        batch_view = fold(view, replay, case.case_id)
        assert batch_view is not None
        stored = encode_view(batch_view)
    assert stored == encode_view(at_once)
    assert decode_view(stored) == at_once

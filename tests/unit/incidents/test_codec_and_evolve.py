"""Every new event type survives the canonical codec, and evolve refuses events that do not fit the case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.incidents.domain import NewCase, UnexpectedEvent, default_policy, due, evolve, fold
from services.incidents.domain.deadlines import UrgentCall, confirmation_due
from shared.events import AnyEvent, decode_event, encode_event
from shared.events.categories import CATEGORIES, CATEGORY_LABELS
from shared.events.union import CURRENT_SCHEMA, EVENT_TYPES
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents import incident_reports as incident
from tests.unit.incidents import patrol_reports as patrol
from tests.unit.incidents.reports import CN, NOW, VICTIM, VN, Case

HOTLINE_TYPES = {
    "HotlineCallLogged",
    "LetterSent",
    "LetterReceived",
    "MessageAcknowledged",
    "UrgentCallConfirmedInWriting",
}


def _one_of_each() -> list[AnyEvent]:
    """At least one event of every type this domain writes, from real decisions."""
    events: list[AnyEvent] = []
    raised = Case()
    for body in (
        incident.raise_incident(),
        incident.acknowledge(),
        incident.update(),
        incident.respond(),
        incident.link(),
        incident.close(),
    ):
        raised.do(body)
    late = Case()
    late.do(incident.raise_incident())
    events += raised.events + due(late.state, NOW + timedelta(days=2), default_policy())
    victims = Case()
    for body in (
        handover.propose(),
        handover.verify(),
        handover.assess(),
        handover.consent(VICTIM, decision="refused", override=handover.override()),
    ):
        victims.do(body)
    victims.do(handover.reject())
    done = Case()
    for body in (
        handover.propose_property(),
        handover.accept(),
        handover.schedule(),
        handover.execute(persons=[]),
        handover.complete(),
    ):
        done.do(body)
    aborted = Case()
    aborted.do(handover.propose_property())
    events += due(aborted.state, NOW + timedelta(days=3), default_policy())
    aborted.do(handover.abort())
    patrolled = Case()
    patrolled.do(patrol.bilateral())
    patrolled.do(patrol.record_patrol())
    met = Case()
    met.do(patrol.meeting())
    met.do(patrol.sign())
    call = UrgentCall(
        case_id="HL-ABCDEFGHIJKL",
        case_version=1,
        call_id="c",
        caller_unit=VN,
        callee_unit=CN,
        logged_at=NOW,
        correlation_id="c",
    )
    events += confirmation_due(call, NOW + timedelta(days=2), default_policy())
    return events + victims.events + done.events + aborted.events + patrolled.events + met.events


def test_every_new_event_type_round_trips_through_the_canonical_codec() -> None:
    """Each event decodes from its canonical bytes to an equal event and re-encodes to the same bytes."""
    events = _one_of_each()
    # the hotline's are tested with the hotline, the key registry's in tests/unit/access
    assert {type(e).__name__ for e in events} == set(EVENT_TYPES) - HOTLINE_TYPES - {"UnitKeyRegistered",
                                                                                      "UnitKeyRevoked"}
    for event in events:
        data = encode_event(event)
        assert decode_event(data) == event, type(event).__name__
        assert encode_event(decode_event(data)) == data


def test_every_type_is_registered_with_a_schema_version() -> None:
    """The union, EVENT_TYPES and CURRENT_SCHEMA name the same types; each tag is its class name."""
    assert set(CURRENT_SCHEMA) == set(EVENT_TYPES)
    for name, cls in EVENT_TYPES.items():
        assert cls.__struct_config__.tag == name


def test_every_category_has_labels_in_three_languages() -> None:
    """CATEGORY_LABELS holds exactly the category codes, each with non-empty vi, zh and en labels."""
    assert set(CATEGORY_LABELS) == set(CATEGORIES)
    assert all(label.vi and label.zh and label.en for label in CATEGORY_LABELS.values())


def test_fold_rebuilds_the_state_decide_left() -> None:
    """Folding a handover's events from scratch gives the state built report by report."""
    case = Case()
    for body in (handover.propose(), handover.verify(), handover.assess()):
        case.do(body)
    assert fold(case.case_id, case.events) == case.state


def test_evolve_refuses_an_event_that_does_not_fit_the_case() -> None:
    """A non-opening event on a new case, an opening one on an existing case, another kind's event: UnexpectedEvent."""
    case = Case()
    case.do(incident.raise_incident())
    (raised,) = case.events
    (acknowledged,) = case.do(incident.acknowledge())
    with pytest.raises(UnexpectedEvent, match="IncidentAcknowledged"):
        evolve(NewCase(case_id=case.case_id), acknowledged)
    with pytest.raises(UnexpectedEvent, match="IncidentRaised"):
        evolve(case.state, raised)
    other = Case()
    [proposed] = other.do(handover.propose())
    with pytest.raises(UnexpectedEvent, match="HandoverProposed"):
        evolve(case.state, proposed)
    with pytest.raises(UnexpectedEvent, match="IncidentAcknowledged"):
        evolve(other.state, acknowledged)

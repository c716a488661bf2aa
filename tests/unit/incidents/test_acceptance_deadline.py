"""The acceptance deadline at its edges: due one second after accept_by, for victims too, with one stable id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.incidents.domain import HandoverState, default_policy, due, overdue_event_id
from shared.events import AcceptanceOverdue
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents.reports import CN, NOW, Case

SECOND = timedelta(seconds=1)


def _proposed_victims() -> tuple[Case, HandoverState]:
    """A victim handover proposed at NOW, no consent recorded yet (so no objection either)."""
    case = Case()
    case.do(handover.propose())
    assert isinstance(case.state, HandoverState)
    return case, case.state


def test_nothing_is_due_at_accept_by_itself() -> None:
    """At exactly accept_by the receiving side is still in time: due returns nothing."""
    _, state = _proposed_victims()
    assert due(state, state.accept_by, default_policy()) == []


def test_an_unanswered_victim_handover_without_objection_is_overdue() -> None:
    """Only a standing objection pauses the deadline: a victim handover nobody objected to is overdue past accept_by."""
    _, state = _proposed_victims()
    [event] = due(state, state.accept_by + SECOND, default_policy())
    assert isinstance(event, AcceptanceOverdue)
    assert (event.owed_by, event.deadline) == ((CN,), NOW + default_policy().accept_within)


def test_the_acceptance_overdue_event_has_the_documented_id() -> None:
    """The event id is overdue_event_id(case, "handover_acceptance", accept_by), whatever instant decides it."""
    case, state = _proposed_victims()
    [event] = due(state, state.accept_by + 3 * SECOND, default_policy())
    assert event.obligation == "handover_acceptance"
    assert event.event_id == overdue_event_id(case.case_id, "handover_acceptance", state.accept_by)



def test_the_overdue_event_id_is_stable_across_releases() -> None:
    """Pinned ids: the next release, noticing the same missed deadline, builds the same id (so one event, not two)."""
    incident_deadline = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    handover_deadline = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert overdue_event_id("IN-ABCDEFGHIJKL", "incident_acknowledgement", incident_deadline) == (
        "01a20b63-8040-7643-9cf3-14142eba0f1e"
    )
    assert overdue_event_id("HO-ABCDEFGHIJKL", "handover_acceptance", handover_deadline) == (
        "01a2120a-61c0-7816-8878-b21fd29eb213"
    )

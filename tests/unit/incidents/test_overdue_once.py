"""A handover's acceptance is overdue once: after its AcceptanceOverdue is recorded, due owes nothing more."""

from __future__ import annotations

from datetime import timedelta

from services.incidents.domain import HandoverState, default_policy, due, fold
from shared.events import AcceptanceOverdue
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents.reports import NOW, Case

DAY = timedelta(hours=24)


def test_a_recorded_acceptance_overdue_is_never_due_again() -> None:
    """Folding the AcceptanceOverdue in leaves the handover unanswered, yet due returns nothing, however late."""
    policy = default_policy()
    case = Case()
    case.do(handover.propose_property())
    [overdue] = due(case.state, NOW + policy.accept_within + timedelta(seconds=1), policy)
    assert isinstance(overdue, AcceptanceOverdue)
    state = fold(case.case_id, [overdue], case.state)
    assert isinstance(state, HandoverState)
    assert (state.answer, state.ended, state.overdue) == ("pending", None, frozenset({"handover_acceptance"}))
    assert due(state, NOW + 30 * DAY, policy) == []

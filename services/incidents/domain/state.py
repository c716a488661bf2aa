"""The state of any incidents-service case, folded from its events: evolve and fold."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from services.incidents.domain.handover_state import HANDOVER_EVOLVERS, HandoverState
from services.incidents.domain.incident_state import INCIDENT_EVOLVERS, IncidentState
from services.incidents.domain.patrol_state import MEETING_EVOLVERS, PATROL_EVOLVERS, MeetingState, PatrolState
from services.incidents.domain.state_base import NewCase
from shared.events import AnyEvent, HandoverProposed, IncidentRaised, MeetingRecorded, PatrolScheduled

CaseState = NewCase | IncidentState | HandoverState | PatrolState | MeetingState

OPENING_EVENTS: frozenset[type[Any]] = frozenset({IncidentRaised, HandoverProposed, PatrolScheduled, MeetingRecorded})

_EVOLVERS: dict[type[Any], tuple[str, Callable[[Any, Any], Any]]] = {
    event_type: (state_type.kind, evolver)
    for state_type, evolvers in (
        (IncidentState, INCIDENT_EVOLVERS),
        (HandoverState, HANDOVER_EVOLVERS),
        (PatrolState, PATROL_EVOLVERS),
        (MeetingState, MEETING_EVOLVERS),
    )
    for event_type, evolver in evolvers.items()
}
"""Event type -> (kind of case it belongs to, evolver)."""


class UnexpectedEvent(ValueError):
    """An event that cannot apply to the case as it stands (the log is not one this domain wrote)."""


def evolve(state: CaseState, event: AnyEvent) -> CaseState:
    """The case after one more event (the event's own case_version becomes the state's version)."""
    kind, evolver = _EVOLVERS.get(type(event), ("", None))
    expected = NewCase.kind if type(event) in OPENING_EVENTS else kind
    if evolver is None or state.kind != expected:
        raise UnexpectedEvent(
            f"case {state.case_id} ({state.kind}, version {state.version}): cannot apply {type(event).__name__}"
        )
    result: CaseState = evolver(state, event)
    return result


def fold(case_id: str, events: Iterable[AnyEvent], state: CaseState | None = None) -> CaseState:
    """Evolve from ``state`` (default: the new, empty case) through every event, in order."""
    current: CaseState = NewCase(case_id=case_id) if state is None else state
    for event in events:
        current = evolve(current, event)
    return current

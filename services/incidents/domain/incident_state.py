"""An incident case as decide sees it, and how each incident event changes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import msgspec

from services.incidents.domain.state_base import NewCase, Opened, opening
from shared.events import (
    AcknowledgementOverdue,
    CasesLinked,
    ConfirmationOverdue,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentRaised,
    IncidentUpdated,
    ResponseRecorded,
)


class IncidentState(Opened, frozen=True, kw_only=True):
    """An incident: who raised it, whether it was acknowledged across the border, whether it is closed."""

    kind: ClassVar[str] = "incident"
    acknowledge_by: datetime
    acknowledged_by: str | None = None
    closed: str | None = None
    """The close reason, once closed."""
    links: frozenset[str] = frozenset()
    overdue: frozenset[str] = frozenset()
    """Obligations whose overdue event is recorded (so ``due`` never records one twice)."""


def _raised(state: NewCase, event: IncidentRaised) -> IncidentState:
    return IncidentState(
        **opening(event),
        parties=frozenset(event.parties),
        acknowledge_by=event.acknowledge_by,
        links=frozenset(event.linked_cases),
    )


def _acknowledged(state: IncidentState, event: IncidentAcknowledged) -> IncidentState:
    return msgspec.structs.replace(state, version=event.case_version, acknowledged_by=event.by_unit)


def _noted(state: IncidentState, event: IncidentUpdated | ResponseRecorded) -> IncidentState:
    return msgspec.structs.replace(state, version=event.case_version)


def _linked(state: IncidentState, event: CasesLinked) -> IncidentState:
    return msgspec.structs.replace(state, version=event.case_version, links=state.links | set(event.cases))


def _closed(state: IncidentState, event: IncidentClosed) -> IncidentState:
    return msgspec.structs.replace(state, version=event.case_version, closed=event.reason)


def _overdue(state: IncidentState, event: AcknowledgementOverdue) -> IncidentState:
    return msgspec.structs.replace(state, version=event.case_version, overdue=state.overdue | {event.obligation})


def _call_overdue(state: IncidentState, event: ConfirmationOverdue) -> IncidentState:
    # Recorded by the incidents service on the incident an urgent call opened (ADR 0005).
    return msgspec.structs.replace(
        state, version=event.case_version, overdue=state.overdue | {f"{event.obligation}:{event.call_id}"}
    )


INCIDENT_EVOLVERS: dict[type[Any], Callable[[Any, Any], Any]] = {
    IncidentRaised: _raised,
    IncidentAcknowledged: _acknowledged,
    IncidentUpdated: _noted,
    ResponseRecorded: _noted,
    CasesLinked: _linked,
    IncidentClosed: _closed,
    AcknowledgementOverdue: _overdue,
    ConfirmationOverdue: _call_overdue,
}

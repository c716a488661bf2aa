"""Deciders of incident reports: raise, acknowledge, update, respond, link, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.incidents.domain import reasons, rules
from services.incidents.domain.incident_commands import (
    AcknowledgeIncident,
    CloseIncident,
    LinkCases,
    RaiseIncident,
    RecordResponse,
    UpdateIncident,
)
from services.incidents.domain.incident_state import IncidentState
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.stamp import Stamp
from services.incidents.domain.state_base import NewCase
from shared.events import (
    AnyEvent,
    CasesLinked,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentRaised,
    IncidentUpdated,
    ResponseRecorded,
)
from shared.events.border import Location


def location(field: str, value: Location) -> Location:
    """A location that names at least one of marker, patrol section, border gate or coordinates."""
    if not value.is_located:
        raise Rejected(
            reasons.LOCATION_MISSING,
            f"{field}: give at least one of marker (e.g. 104 or 104(2)), patrol_section, border_gate, coordinates",
        )
    rules.maybe_text(f"{field}.description", value.description)
    return value


def _not_self(field: str, case_id: str, cases: tuple[str, ...]) -> None:
    if case_id in cases:
        raise Rejected(reasons.INVALID_LINK, f"{field}: case {case_id} cannot be linked to itself")


def _raise(command: RaiseIncident, state: NewCase, stamp: Stamp) -> list[AnyEvent]:
    happened = stamp.local("happened_at", command.happened_at)
    reported = stamp.local("at", command.at)
    rules.not_before("at", reported, "happened_at", happened)
    _not_self("linked_cases", stamp.case_id, command.linked_cases)
    return [
        IncidentRaised(
            **stamp.envelope(),
            category=command.category,
            location=location("location", command.location),
            happened_at=happened,
            impact=command.impact,
            reliability=command.reliability,
            accuracy=command.accuracy,
            summary=rules.text("summary", command.summary),
            raised_by=command.unit,
            parties=rules.parties_across("parties", stamp.author, command.parties),
            # The other side has owed an answer since the officer reported it (a report typed in
            # late, the day after the call, is already overdue); a clock ahead never buys time.
            acknowledge_by=min(reported.utc, stamp.now) + stamp.policy.acknowledge_within,
            linked_cases=command.linked_cases,
        )
    ]


def _acknowledge(command: AcknowledgeIncident, state: IncidentState, stamp: Stamp) -> list[AnyEvent]:
    raiser = rules.unit("raised_by", state.opened_by)
    if stamp.author.country == raiser.country:
        raise Rejected(
            reasons.SAME_SIDE,
            f"unit: {command.unit} is in {raiser.country} like {raiser.code}, which raised the incident; "
            "only a unit across the border acknowledges it",
        )
    if state.acknowledged_by is not None:
        raise Rejected(
            reasons.ALREADY_ACKNOWLEDGED,
            f"case_id: incident {state.case_id} was acknowledged by {state.acknowledged_by}"
        )
    return [
        IncidentAcknowledged(
            **stamp.envelope(),
            by_unit=command.unit,
            acknowledged_at=stamp.local("at", command.at),
            note=rules.maybe_text("note", command.note),
        )
    ]


def _update(command: UpdateIncident, state: IncidentState, stamp: Stamp) -> list[AnyEvent]:
    return [
        IncidentUpdated(
            **stamp.envelope(),
            note=rules.text("note", command.note),
            category=command.category,
            location=None if command.location is None else location("location", command.location),
            impact=command.impact,
            reliability=command.reliability,
            accuracy=command.accuracy,
        )
    ]


def _respond(command: RecordResponse, state: IncidentState, stamp: Stamp) -> list[AnyEvent]:
    return [
        ResponseRecorded(
            **stamp.envelope(),
            action=command.action,
            description=rules.text("description", command.description),
            by_unit=command.unit,
            done_at=stamp.local("at", command.at),
        )
    ]


def _link(command: LinkCases, state: IncidentState, stamp: Stamp) -> list[AnyEvent]:
    _not_self("cases", state.case_id, command.cases)
    return [
        CasesLinked(
            **stamp.envelope(),
            cases=command.cases,
            relation=command.relation,
            note=rules.maybe_text("note", command.note),
        )
    ]


def _close(command: CloseIncident, state: IncidentState, stamp: Stamp) -> list[AnyEvent]:
    if command.reason == "transferred" and command.transferred_to is None:
        raise Rejected(reasons.INVALID_CLOSE, "transferred_to: required when reason is 'transferred' (to whom?)")
    if command.reason == "duplicate":
        if command.duplicate_of is None:
            raise Rejected(reasons.INVALID_CLOSE, "duplicate_of: required when reason is 'duplicate' (of which case?)")
        _not_self("duplicate_of", state.case_id, (command.duplicate_of,))
    return [
        IncidentClosed(
            **stamp.envelope(),
            reason=command.reason,
            note=rules.maybe_text("note", command.note),
            transferred_to=command.transferred_to,
            duplicate_of=command.duplicate_of,
        )
    ]


INCIDENT_DECIDERS: dict[type[Any], Callable[[Any, Any, Stamp], list[AnyEvent]]] = {
    RaiseIncident: _raise,
    AcknowledgeIncident: _acknowledge,
    UpdateIncident: _update,
    RecordResponse: _respond,
    LinkCases: _link,
    CloseIncident: _close,
}

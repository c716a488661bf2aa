"""Deadlines as pure policy: which overdue events a case owes at ``now``.

An incident's and a handover's deadline is written into the event that creates the obligation
(``acknowledge_by``, ``accept_by``), so every instance computes the same deadline whatever its
own configuration says today. The overdue event's id is derived from (case, obligation,
deadline) alone: two instances that notice the same missed deadline build the same event id,
and the store keeps one (an append of an already recorded event id returns the original).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.incident_state import IncidentState
from services.incidents.domain.policy import Policy
from services.incidents.domain.state import CaseState
from services.incidents.domain.state_base import Opened
from shared.events import AcceptanceOverdue, AcknowledgementOverdue, AnyEvent, ConfirmationOverdue, Instant
from shared.events.envelope import Handling
from shared.events.ids import event_id
from shared.units import get


def overdue_event_id(case_id: str, obligation: str, deadline: datetime) -> str:
    """The one id of the overdue event of (case, obligation, deadline): time bits from the deadline."""
    deadline = deadline.astimezone(UTC)
    return event_id(deadline, f"overdue|{case_id}|{obligation}|{deadline.isoformat()}", 0)


def _offset(unit: str) -> str:
    found = get(unit)
    return "+00:00" if found is None else found.utc_offset


def _envelope(
    *,
    case_id: str,
    version: int,
    obligation: str,
    deadline: datetime,
    owed_to: str,
    cause: str,
    correlation_id: str,
    handling: Handling,
    exercise: bool,
    now: datetime,
    policy: Policy,
) -> dict[str, Any]:
    return {
        "event_id": overdue_event_id(case_id, obligation, deadline),
        "case_id": case_id,
        "case_version": version + 1,
        "occurred_at": Instant.at(deadline, _offset(owed_to)),
        "recorded_at": now.astimezone(UTC),
        "unit": owed_to,
        "officer": policy.deadline_officer,
        "causation_id": cause,
        "correlation_id": correlation_id,
        "handling": handling,
        "exercise": exercise,
        "deadline": deadline.astimezone(UTC),
    }


def _case_envelope(state: Opened, obligation: str, deadline: datetime, now: datetime, policy: Policy) -> dict[str, Any]:
    return _envelope(
        case_id=state.case_id,
        version=state.version,
        obligation=obligation,
        deadline=deadline,
        owed_to=state.opened_by,
        cause=state.opened_event_id,
        correlation_id=state.correlation_id,
        handling=state.handling,
        exercise=state.exercise,
        now=now,
        policy=policy,
    )


def _across(state: IncidentState) -> tuple[str, ...]:
    """Parties of the incident across the border from the unit that raised it."""
    raiser = get(state.opened_by)
    country = None if raiser is None else raiser.country
    return tuple(sorted(p for p in state.parties if (unit := get(p)) is not None and unit.country != country))


def due(state: CaseState, now: datetime, policy: Policy) -> list[AnyEvent]:
    """Overdue events this case owes at ``now`` (at most one per obligation, ever); [] if none."""
    if isinstance(state, IncidentState):
        obligation = "incident_acknowledgement"
        if state.closed or state.acknowledged_by or obligation in state.overdue or now <= state.acknowledge_by:
            return []
        envelope = _case_envelope(state, obligation, state.acknowledge_by, now, policy)
        return [AcknowledgementOverdue(**envelope, owed_by=_across(state))]
    if isinstance(state, HandoverState):
        obligation = "handover_acceptance"
        # A victim's standing objection pauses the deadline: the receiving side may not act on the case.
        waiting = state.ended is None and state.answer == "pending" and not (state.is_victim and state.objecting)
        if not waiting or obligation in state.overdue or now <= state.accept_by:
            return []
        envelope = _case_envelope(state, obligation, state.accept_by, now, policy)
        return [AcceptanceOverdue(**envelope, owed_by=(state.to_unit,))]
    return []


class UrgentCall(msgspec.Struct, frozen=True, kw_only=True):
    """The facts of an urgent hotline call needing written confirmation, as the hotline's events give them.

    The incidents service builds this from hotline events it consumes (part B). ``case_id`` and
    ``case_version`` name the case the overdue event goes to and its current version (the event
    gets the next one); which case that is, is part B's choice (see the package docs).
    """

    case_id: str
    case_version: int
    call_id: str
    """Event id of the HotlineCallLogged."""
    caller_unit: str
    callee_unit: str
    logged_at: datetime
    """``recorded_at`` of the HotlineCallLogged: the obligation runs from when the log knew of it."""
    correlation_id: str
    handling: Handling = "H1"
    exercise: bool = False
    confirmed: bool = False
    overdue_recorded: bool = False


def confirmation_due(call: UrgentCall, now: datetime, policy: Policy) -> list[ConfirmationOverdue]:
    """The ConfirmationOverdue an urgent call owes at ``now``, if its letter is late; [] otherwise."""
    deadline = call.logged_at + policy.confirm_within
    if call.confirmed or call.overdue_recorded or now <= deadline:
        return []
    envelope = _envelope(
        case_id=call.case_id,
        version=call.case_version,
        obligation=f"written_confirmation:{call.call_id}",
        deadline=deadline,
        owed_to=call.callee_unit,
        cause=call.call_id,
        correlation_id=call.correlation_id,
        handling=call.handling,
        exercise=call.exercise,
        now=now,
        policy=policy,
    )
    return [ConfirmationOverdue(**envelope, owed_by=(call.caller_unit,), call_id=call.call_id)]

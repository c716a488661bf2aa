"""A handover case as decide sees it: subjects, verifications, risk, consent, answer, schedule, end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Literal

import msgspec

from services.incidents.domain.state_base import NewCase, Opened, opening
from shared.events import (
    AcceptanceOverdue,
    ConsentRecorded,
    HandoverAborted,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverRejected,
    HandoverScheduled,
    Instant,
    NationalityVerified,
    RiskAssessed,
)
from shared.events.handovers import PersonRef

Answer = Literal["pending", "accepted", "rejected"]
Ending = Literal["completed", "aborted", "rejected"]


class Consent(msgspec.Struct, frozen=True, kw_only=True):
    """A victim's latest recorded decision, and whether an authorised override stands against it."""

    decision: str
    given_by: str
    overridden: bool = False

    @property
    def effective(self) -> str:
        """What the handover may act on: an override lifts a refusal or an objection."""
        return "given" if self.overridden else self.decision


class HandoverState(Opened, frozen=True, kw_only=True):
    """One handover: from the holding unit to the receiving unit, through its two phases."""

    kind: ClassVar[str] = "handover"
    subject_kind: str
    from_unit: str
    to_unit: str
    persons: dict[str, PersonRef]
    accept_by: datetime
    nationalities: dict[str, str] = msgspec.field(default_factory=dict)
    """Subject id -> verified nationality."""
    risk_level: str | None = None
    safe_to_return: bool | None = None
    consents: dict[str, Consent] = msgspec.field(default_factory=dict)
    answer: Answer = "pending"
    gate: str | None = None
    scheduled_for: Instant | None = None
    executed: bool = False
    ended: Ending | None = None
    overdue: frozenset[str] = frozenset()

    @property
    def is_victim(self) -> bool:
        """Victim handovers carry the safety gates (risk, consent, objection)."""
        return self.subject_kind == "victim"

    @property
    def objecting(self) -> tuple[str, ...]:
        """Victims whose objection to notifying the other side stands (no override), sorted."""
        return tuple(sorted(s for s, c in self.consents.items() if c.effective == "objects_to_notification"))


def _proposed(state: NewCase, event: HandoverProposed) -> HandoverState:
    return HandoverState(
        **opening(event),
        parties=frozenset({event.from_unit, event.to_unit}),
        subject_kind=event.subject_kind,
        from_unit=event.from_unit,
        to_unit=event.to_unit,
        persons={p.subject_id: p for p in event.persons},
        accept_by=event.accept_by,
    )


def _replace(state: HandoverState, event: Any, **changes: Any) -> HandoverState:
    return msgspec.structs.replace(state, version=event.case_version, **changes)


def _verified(state: HandoverState, event: NationalityVerified) -> HandoverState:
    return _replace(state, event, nationalities={**state.nationalities, event.subject_id: event.nationality})


def _assessed(state: HandoverState, event: RiskAssessed) -> HandoverState:
    return _replace(state, event, risk_level=event.level, safe_to_return=event.safe_to_return)


def _consent(state: HandoverState, event: ConsentRecorded) -> HandoverState:
    consent = Consent(decision=event.decision, given_by=event.given_by, overridden=event.override is not None)
    return _replace(state, event, consents={**state.consents, event.subject_id: consent})


def _accepted(state: HandoverState, event: HandoverAccepted) -> HandoverState:
    return _replace(state, event, answer="accepted")


def _rejected(state: HandoverState, event: HandoverRejected) -> HandoverState:
    return _replace(state, event, answer="rejected", ended="rejected")


def _scheduled(state: HandoverState, event: HandoverScheduled) -> HandoverState:
    return _replace(state, event, gate=event.border_gate, scheduled_for=event.scheduled_for)


def _executed(state: HandoverState, event: HandoverExecuted) -> HandoverState:
    return _replace(state, event, executed=True)


def _completed(state: HandoverState, event: HandoverCompleted) -> HandoverState:
    return _replace(state, event, ended="completed")


def _aborted(state: HandoverState, event: HandoverAborted) -> HandoverState:
    return _replace(state, event, ended="aborted")


def _overdue(state: HandoverState, event: AcceptanceOverdue) -> HandoverState:
    return _replace(state, event, overdue=state.overdue | {event.obligation})


HANDOVER_EVOLVERS: dict[type[Any], Callable[[Any, Any], Any]] = {
    HandoverProposed: _proposed,
    NationalityVerified: _verified,
    RiskAssessed: _assessed,
    ConsentRecorded: _consent,
    HandoverAccepted: _accepted,
    HandoverRejected: _rejected,
    HandoverScheduled: _scheduled,
    HandoverExecuted: _executed,
    HandoverCompleted: _completed,
    HandoverAborted: _aborted,
    AcceptanceOverdue: _overdue,
}

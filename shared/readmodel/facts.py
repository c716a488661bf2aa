"""What a case view shows of incidents, handovers, patrols and meetings, beside the common fields (pure).

One struct per case kind; a view carries the one of its kind (the others stay None). Instants
are shown on both clocks (``Clocks``); persons appear only by pseudonymous subject id.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.events.border import Location


class Clocks(msgspec.Struct, frozen=True, kw_only=True):
    """One instant on both sides' wall clocks (ADR 0014), ISO 8601."""

    utc: str
    vietnam: str
    china: str


IncidentStatus = Literal["raised", "acknowledged", "closed"]

HandoverPhase = Literal[
    "proposed", "verified", "assessed", "accepted", "scheduled", "executed", "completed", "aborted", "rejected"
]
"""The furthest step reached: proposed → verified (every person's nationality) → assessed (risk) →
accepted or rejected → scheduled → executed → completed, or aborted at any point before execution."""


class IncidentFacts(msgspec.Struct, frozen=True, kw_only=True):
    """An incident case: what, where, how bad, how sure, and where it stands."""

    category: str
    impact: str
    reliability: str
    accuracy: int
    location: Location
    happened_at: Clocks
    raised_by: str
    status: IncidentStatus = "raised"
    acknowledge_by: Clocks
    """The deadline for a unit across the border to acknowledge."""
    acknowledged_by: str | None = None
    acknowledged_at: Clocks | None = None
    overdue: bool = False
    """The acknowledgement deadline passed unmet (stays True once it happened, even if acknowledged later)."""
    close_reason: str | None = None
    transferred_to: str | None = None
    duplicate_of: str | None = None
    last_response: str | None = None
    """The action of the latest response recorded (``patrol_dispatched``, ``rescue``…)."""


class HandoverFacts(msgspec.Struct, frozen=True, kw_only=True):
    """A handover case: who hands what to whom, its phase, its gates, and its schedule on both clocks."""

    subject_kind: str
    from_unit: str
    to_unit: str
    count: int
    persons: tuple[str, ...] = ()
    """Pseudonymous subject ids only (ADR 0016)."""
    phase: HandoverPhase = "proposed"
    answer: Literal["pending", "accepted", "rejected"] = "pending"
    accept_by: Clocks
    verified: tuple[str, ...] = ()
    """Persons whose nationality was verified."""
    risk_level: str | None = None
    safe_to_return: bool | None = None
    consents: dict[str, str] = msgspec.field(default_factory=dict)
    """Subject id -> the decision in force (``given`` when an authorised override stands)."""
    blocked: bool = False
    """A victim's objection to notifying the other side stands: no cross-border step may happen."""
    rejection_cause: str | None = None
    gate: str | None = None
    scheduled_for: Clocks | None = None
    executed_at: Clocks | None = None
    overdue: bool = False
    """The acceptance deadline passed unanswered."""


class PatrolFacts(msgspec.Struct, frozen=True, kw_only=True):
    """A patrol case: the agreement, host, period, window, sections and markers, and what it found."""

    agreement: str
    patrol_kind: str
    host_unit: str
    period: str
    window_timezone: str
    starts_at: Clocks
    ends_at: Clocks
    sections: tuple[str, ...] = ()
    markers: str | None = None
    """``85-92``: the marker range the patrol covers."""
    status: Literal["scheduled", "recorded"] = "scheduled"
    findings: int = 0
    incidents_raised: int = 0
    """Findings marked to raise an incident (each opens an incident case of its own)."""


class MeetingFacts(msgspec.Struct, frozen=True, kw_only=True):
    """A meeting case: talks held, and whether both sides signed the minutes."""

    meeting_kind: str
    held_at: Clocks
    border_gate: str | None = None
    status: Literal["recorded", "minutes_signed"] = "recorded"
    signed_at: Clocks | None = None
    signatories: tuple[str, ...] = ()
    """Units whose officers signed."""

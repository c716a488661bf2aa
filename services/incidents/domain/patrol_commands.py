"""Reports about joint patrols and talks: schedule and record a patrol, record a meeting, sign its minutes."""

from __future__ import annotations

from typing import Annotated

import msgspec

from services.incidents.domain.command_base import Command, LocalTime
from shared.events.border import Marker, MarkerRange, OfficerRef
from shared.events.envelope import Identifier, Text
from shared.events.patrols import Finding, MeetingKind, PatrolKind

Markers = Annotated[tuple[Marker, ...], msgspec.Meta(max_length=500)]


class SchedulePatrol(Command, frozen=True, kw_only=True, tag="SchedulePatrol"):
    """Schedule a patrol under a configured agreement; opens a patrol case when ``case_id`` is absent."""

    agreement: Identifier
    kind: PatrolKind
    host_unit: Identifier
    starts_at: LocalTime
    ends_at: LocalTime
    sections: tuple[Identifier, ...] = ()
    """Patrol sections (bilateral patrols: at least one, from the agreement's configuration)."""
    markers: MarkerRange | None = None
    plan: Text | None = None


class RecordPatrol(Command, frozen=True, kw_only=True, tag="RecordPatrol"):
    """Record what a scheduled patrol did; findings with ``raise_incident`` open incident cases."""

    sections: tuple[Identifier, ...] = ()
    markers: Markers = ()
    officers: tuple[OfficerRef, ...]
    findings: tuple[Finding, ...] = ()
    started_at: LocalTime
    ended_at: LocalTime
    summary: Text | None = None


class RecordMeeting(Command, frozen=True, kw_only=True, tag="RecordMeeting"):
    """Record talks or a meeting with units across the border; opens a meeting case when ``case_id`` is absent."""

    kind: MeetingKind
    participants: Annotated[tuple[Identifier, ...], msgspec.Meta(min_length=1, max_length=20)]
    """The other units taking part (at least one across the border)."""
    held_at: LocalTime
    delegation_heads: tuple[OfficerRef, ...] = ()
    border_gate: Identifier | None = None
    place: Text | None = None
    summary: Text


class SignMinutes(Command, frozen=True, kw_only=True, tag="SignMinutes"):
    """Record the minutes of the meeting as signed (at ``at``), in Vietnamese and Chinese, by both sides."""

    minutes: Text
    signatories: tuple[OfficerRef, ...]

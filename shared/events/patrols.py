"""Events of joint patrols and of talks: a patrol scheduled and recorded, a meeting and its signed minutes."""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.events.border import Impact, Marker, MarkerRange, OfficerRef
from shared.events.categories import IncidentCategory
from shared.events.envelope import Event, Identifier, Instant, Language, Text
from shared.units import Country

PatrolKind = Literal["joint_monthly", "bilateral_quarterly"]
"""``joint_monthly``: the 15th-25th window each month; ``bilateral_quarterly``: by patrol section, each quarter."""

MeetingKind = Literal["talks", "meeting", "online_meeting", "friendship_exchange", "patrol_debrief"]


class Finding(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Something a patrol found; with ``raise_incident`` it opens an incident case (see follow_ups)."""

    description: Text
    marker: Marker | None = None
    category: IncidentCategory | None = None
    impact: Impact | None = None
    raise_incident: bool = False


class PatrolScheduled(Event, frozen=True, kw_only=True, tag="PatrolScheduled"):
    """A patrol under a patrol agreement was scheduled; opens a patrol case."""

    agreement: Identifier
    kind: PatrolKind
    host_unit: Identifier
    host_country: Country
    participants: tuple[Identifier, ...]
    """The agreement's units, sorted."""
    starts_at: Instant
    ends_at: Instant
    window_timezone: str
    """The named timezone the calendar rule (window, month, quarter) was checked in."""
    period: str
    """The month (``2026-11``) or quarter (``2026-Q4``) the patrol belongs to, in that timezone."""
    sections: tuple[Identifier, ...] = ()
    markers: MarkerRange | None = None
    plan: Text | None = None


class PatrolRecorded(Event, frozen=True, kw_only=True, tag="PatrolRecorded"):
    """What a scheduled patrol did: sections, markers inspected, the officers of each side, findings."""

    participants: tuple[Identifier, ...]
    sections: tuple[Identifier, ...] = ()
    markers: tuple[Marker, ...] = ()
    officers: tuple[OfficerRef, ...]
    findings: tuple[Finding, ...] = ()
    started_at: Instant
    ended_at: Instant
    summary: Text | None = None


class MeetingRecorded(Event, frozen=True, kw_only=True, tag="MeetingRecorded"):
    """Talks or a meeting between units of both sides took place; opens a meeting case."""

    kind: MeetingKind
    participants: tuple[Identifier, ...]
    held_at: Instant
    delegation_heads: tuple[OfficerRef, ...] = ()
    border_gate: Identifier | None = None
    place: Text | None = None
    summary: Text


class MinutesSigned(Event, frozen=True, kw_only=True, tag="MinutesSigned"):
    """Both sides signed the minutes; the Vietnamese and Chinese texts are equally authentic (ADR 0015)."""

    minutes: Text
    authentic: tuple[Language, ...] = ("vi", "zh")
    signatories: tuple[OfficerRef, ...]
    signed_at: Instant

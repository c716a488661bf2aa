"""Events of an incident case: raised, acknowledged across the border, updated, responded to, linked, closed."""

from __future__ import annotations

from typing import Literal

from shared.events.border import Accuracy, Impact, Location, Reliability
from shared.events.categories import IncidentCategory
from shared.events.envelope import AwareDatetime, Event, Identifier, Instant, Text

ResponseAction = Literal[
    "patrol_dispatched",
    "search",
    "rescue",
    "investigation",
    "evidence_secured",
    "persons_detained",
    "marker_repaired",
    "joint_verification",
    "public_notice",
    "other",
]

LinkRelation = Literal["related", "duplicate", "follow_up", "handover", "hotline", "patrol"]
"""How a linked case relates to this one (``hotline``: the call that reported it; ``patrol``: the one that found it)."""

CloseReason = Literal["resolved", "did_not_occur", "transferred", "duplicate", "no_further_action", "withdrawn"]


class IncidentRaised(Event, frozen=True, kw_only=True, tag="IncidentRaised"):
    """A unit reported a border incident to the units across the border; opens an incident case."""

    category: IncidentCategory
    location: Location
    happened_at: Instant
    impact: Impact
    reliability: Reliability
    accuracy: Accuracy
    summary: Text
    raised_by: Identifier
    parties: tuple[Identifier, ...]
    """Every unit party to the case, the raising unit included, sorted."""
    acknowledge_by: AwareDatetime
    """UTC deadline for a unit across the border to acknowledge (policy at the time it was raised)."""
    linked_cases: tuple[Identifier, ...] = ()
    """Cases it arose from (a patrol that found it, a hotline call that reported it)."""


class IncidentAcknowledged(Event, frozen=True, kw_only=True, tag="IncidentAcknowledged"):
    """A unit across the border acknowledged the incident (a person, not mere delivery)."""

    by_unit: Identifier
    acknowledged_at: Instant
    note: Text | None = None


class IncidentUpdated(Event, frozen=True, kw_only=True, tag="IncidentUpdated"):
    """A party added information; the fields given replace the earlier assessment."""

    note: Text
    category: IncidentCategory | None = None
    location: Location | None = None
    impact: Impact | None = None
    reliability: Reliability | None = None
    accuracy: Accuracy | None = None


class ResponseRecorded(Event, frozen=True, kw_only=True, tag="ResponseRecorded"):
    """A party recorded what it did about the incident."""

    action: ResponseAction
    description: Text
    by_unit: Identifier
    done_at: Instant


class CasesLinked(Event, frozen=True, kw_only=True, tag="CasesLinked"):
    """Other cases were linked to this incident."""

    cases: tuple[Identifier, ...]
    relation: LinkRelation
    note: Text | None = None


class IncidentClosed(Event, frozen=True, kw_only=True, tag="IncidentClosed"):
    """The incident case was closed; nothing more is written to it."""

    reason: CloseReason
    note: Text | None = None
    transferred_to: Identifier | None = None
    duplicate_of: Identifier | None = None

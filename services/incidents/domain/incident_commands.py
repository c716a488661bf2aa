"""Reports about a border incident: raise, acknowledge, update, respond, link, close."""

from __future__ import annotations

from typing import Annotated

import msgspec

from services.incidents.domain.command_base import Command, LocalTime
from shared.events.border import Accuracy, Impact, Location, Reliability
from shared.events.categories import IncidentCategory
from shared.events.envelope import Identifier, Text
from shared.events.incidents import CloseReason, LinkRelation, ResponseAction

Units = Annotated[tuple[Identifier, ...], msgspec.Meta(min_length=1, max_length=20)]


class RaiseIncident(Command, frozen=True, kw_only=True, tag="RaiseIncident"):
    """Report an incident to units across the border (``parties``); opens a case when ``case_id`` is absent."""

    category: IncidentCategory
    location: Location
    happened_at: LocalTime
    impact: Impact
    reliability: Reliability
    accuracy: Accuracy
    summary: Text
    parties: Units
    """The other units party to the case (at least one across the border); the sender is a party anyway."""
    linked_cases: tuple[Identifier, ...] = ()


class AcknowledgeIncident(Command, frozen=True, kw_only=True, tag="AcknowledgeIncident"):
    """A person of a unit across the border acknowledges the incident."""

    note: Text | None = None


class UpdateIncident(Command, frozen=True, kw_only=True, tag="UpdateIncident"):
    """Add information; the assessment fields given replace the earlier ones."""

    note: Text
    category: IncidentCategory | None = None
    location: Location | None = None
    impact: Impact | None = None
    reliability: Reliability | None = None
    accuracy: Accuracy | None = None


class RecordResponse(Command, frozen=True, kw_only=True, tag="RecordResponse"):
    """Record what the sending unit did about the incident (at ``at``)."""

    action: ResponseAction
    description: Text


class LinkCases(Command, frozen=True, kw_only=True, tag="LinkCases"):
    """Link other cases (incidents, handovers, hotline calls, patrols) to this incident."""

    cases: Units
    relation: LinkRelation
    note: Text | None = None


class CloseIncident(Command, frozen=True, kw_only=True, tag="CloseIncident"):
    """Close the incident with a reason; ``transferred`` names where to, ``duplicate`` of which case."""

    reason: CloseReason
    note: Text | None = None
    transferred_to: Identifier | None = None
    duplicate_of: Identifier | None = None

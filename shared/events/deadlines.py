"""Events recording that a deadline passed with its obligation unmet.

Each one's event id is derived from (case, obligation, deadline) alone, so every service instance
that notices the same missed deadline builds the same id and the store keeps one event.
"""

from __future__ import annotations

from typing import Literal

from shared.events.envelope import AwareDatetime, Event, Identifier

Obligation = Literal["incident_acknowledgement", "handover_acceptance", "written_confirmation"]


class AcknowledgementOverdue(Event, frozen=True, kw_only=True, tag="AcknowledgementOverdue"):
    """No unit across the border acknowledged the incident by its deadline."""

    obligation: Obligation = "incident_acknowledgement"
    deadline: AwareDatetime
    owed_by: tuple[Identifier, ...]
    """The units that could have acknowledged (the parties across the border)."""


class AcceptanceOverdue(Event, frozen=True, kw_only=True, tag="AcceptanceOverdue"):
    """The receiving side neither accepted nor rejected the proposed handover by its deadline."""

    obligation: Obligation = "handover_acceptance"
    deadline: AwareDatetime
    owed_by: tuple[Identifier, ...]


class ConfirmationOverdue(Event, frozen=True, kw_only=True, tag="ConfirmationOverdue"):
    """An urgent hotline call was not confirmed in writing by its deadline."""

    obligation: Obligation = "written_confirmation"
    deadline: AwareDatetime
    owed_by: tuple[Identifier, ...]
    call_id: Identifier
    """Event id of the HotlineCallLogged that created the obligation."""

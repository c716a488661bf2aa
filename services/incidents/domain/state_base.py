"""What every case state holds: identity, version, parties, and the opening event's envelope."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from shared.events import Event
from shared.events.envelope import Handling


class NewCase(msgspec.Struct, frozen=True, kw_only=True):
    """A case with no events yet: only a report that opens a case may be decided on it."""

    kind: ClassVar[str] = "new"
    case_id: str
    version: int = 0


class Opened(msgspec.Struct, frozen=True, kw_only=True):
    """A case that exists. Subclasses add what their decide needs; they are never mutated (evolve replaces)."""

    kind: ClassVar[str] = "opened"
    case_id: str
    version: int
    parties: frozenset[str]
    opened_by: str
    """The unit that opened the case (overdue events are recorded in its name: the obligation is owed to it)."""
    opened_event_id: str
    correlation_id: str
    handling: Handling
    exercise: bool


def opening(event: Event) -> dict[str, Any]:
    """The Opened fields an opening event gives (the caller adds ``parties`` and its own fields)."""
    return {
        "case_id": event.case_id,
        "version": event.case_version,
        "opened_by": event.unit,
        "opened_event_id": event.event_id,
        "correlation_id": event.correlation_id,
        "handling": event.handling,
        "exercise": event.exercise,
    }

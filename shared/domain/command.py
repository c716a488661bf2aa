"""What every report carries, whichever service decides it, and the envelope its events share.

This is the intake wire format's common part: one JSON object per report, ``type`` naming the
command. Unknown fields are refused (unlike events): a misspelt field must not be dropped silently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

from shared.domain.rules import local_time
from shared.events.envelope import Handling, Identifier
from shared.events.ids import event_id
from shared.units import Unit

LocalTime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A time as the officer typed it, with its UTC offset (``2026-11-23T09:15:00+07:00``)."""

Officer = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
"""As long as the event envelope allows (128): a longer name would be accepted but unreadable in the log."""


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"):
    """Who sends the report, when, about which case, and how it may be handled."""

    command_id: Identifier
    case_id: Identifier | None = None
    unit: Identifier
    officer: Officer
    at: LocalTime
    handling: Handling = "H1"
    exercise: bool = False
    correlation_id: Identifier | None = None


def envelope(command: Command, case_id: str, version: int, now: datetime, author: Unit, index: int) -> dict[str, Any]:
    """The envelope fields of the ``index``-th event a command records on a case now at ``version``."""
    return {
        "event_id": event_id(now, command.command_id, index),
        "case_id": case_id,
        "case_version": version + index + 1,
        "occurred_at": local_time("at", command.at, author),
        "recorded_at": now.astimezone(UTC),
        "unit": command.unit,
        "officer": command.officer,
        "causation_id": command.command_id,
        "correlation_id": command.correlation_id or command.command_id,
        "handling": command.handling,
        "exercise": command.exercise,
    }

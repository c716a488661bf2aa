"""What every report to the incidents service carries: the same envelope as the hotline's reports.

This is the intake wire format: one JSON object per report, ``type`` naming the command.
Unknown fields are refused here (unlike events): a misspelt field must not be dropped silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from shared.events.envelope import Handling, Identifier

MAX_TEXT = 4000
"""Longest free text accepted in one language (characters)."""

LocalTime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A time as the officer typed it, with its UTC offset (``2026-11-23T09:15:00+07:00``)."""

Officer = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
"""The officer sending the report (the limit is the event envelope's, so every accepted name fits)."""


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

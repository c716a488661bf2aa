"""Reports a liaison officer's tool sends to the hotline service (imperative commands).

This is the intake wire format: one JSON object per report, ``type`` naming the command.
Unknown fields are refused here (unlike events): a misspelt field must not be dropped silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Union

import msgspec

from shared.events.envelope import Handling, Identifier, Language, Text

MAX_TEXT = 4000
"""Longest free text accepted in one language (characters)."""

LocalTime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A time as the officer typed it, with its UTC offset (``2026-11-23T09:15:00+07:00``)."""

Officer = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
"""As long as the event envelope allows (128): a longer name would be accepted but unreadable in the log."""
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Channel = Literal["hotline", "letter", "fax", "liaison_officer", "border_meeting"]


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"):
    """What every report carries: who sends it, when it happened, and how it may be handled."""

    command_id: Identifier
    case_id: Identifier | None = None
    unit: Identifier
    officer: Officer
    at: LocalTime
    handling: Handling = "H1"
    exercise: bool = False
    correlation_id: Identifier | None = None


class LogCall(Command, frozen=True, kw_only=True, tag="LogCall"):
    """Log a hotline call the sending unit made or took; opens a case when ``case_id`` is absent."""

    direction: Literal["outgoing", "incoming"]
    caller_unit: Identifier
    callee_unit: Identifier
    line: Identifier
    started_at: LocalTime
    ended_at: LocalTime | None = None
    languages: tuple[Language, ...] = ()
    interpreter: Officer | None = None
    summary: Text
    urgent: bool = False
    written_confirmation_required: bool = False


class SendLetter(Command, frozen=True, kw_only=True, tag="SendLetter"):
    """Record a letter the sending unit sent across the border; opens a case when ``case_id`` is absent."""

    reference: Reference
    to_unit: Identifier
    channel: Channel = "letter"
    subject: Text
    body: Text


class ReceiveLetter(Command, frozen=True, kw_only=True, tag="ReceiveLetter"):
    """Record a letter the sending unit received from across the border; opens a case when absent."""

    reference: Reference
    from_unit: Identifier
    channel: Channel = "letter"
    subject: Text
    body: Text


class AcknowledgeMessage(Command, frozen=True, kw_only=True, tag="AcknowledgeMessage"):
    """A person of the receiving unit acknowledges a call or letter of the case (by its event id)."""

    message_id: Identifier


class ConfirmInWriting(Command, frozen=True, kw_only=True, tag="ConfirmInWriting"):
    """Confirm an urgent call by letter: records the letter and closes the confirmation obligation."""

    call_id: Identifier
    reference: Reference
    subject: Text
    body: Text


AnyCommand = Union[LogCall, SendLetter, ReceiveLetter, AcknowledgeMessage, ConfirmInWriting]  # noqa: UP007 - msgspec needs a runtime Union

COMMAND_TYPES: dict[str, type[AnyCommand]] = {
    "LogCall": LogCall,
    "SendLetter": SendLetter,
    "ReceiveLetter": ReceiveLetter,
    "AcknowledgeMessage": AcknowledgeMessage,
    "ConfirmInWriting": ConfirmInWriting,
}

OPENS_CASE: frozenset[str] = frozenset({"LogCall", "SendLetter", "ReceiveLetter"})
"""Command types that open a new case when they carry no ``case_id``."""

"""Reports a liaison officer's tool sends to the hotline service (imperative commands).

This is the intake wire format: one JSON object per report, ``type`` naming the command.
Unknown fields are refused here (unlike events): a misspelt field must not be dropped silently.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import msgspec

from shared.domain.command import Command as Command
from shared.domain.command import LocalTime as LocalTime
from shared.domain.command import Officer as Officer
from shared.domain.rules import MAX_TEXT as MAX_TEXT
from shared.events.envelope import Identifier, Language, Text

Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Channel = Literal["hotline", "letter", "fax", "liaison_officer", "border_meeting"]


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

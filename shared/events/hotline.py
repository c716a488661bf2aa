"""Events recorded by the hotline service: calls, letters, acknowledgements, written confirmations."""

from __future__ import annotations

from typing import Literal

from shared.events.envelope import Event, Identifier, Instant, Language, Text

Direction = Literal["outgoing", "incoming"]
"""Seen from the originating unit of the event."""


class HotlineCallLogged(Event, frozen=True, kw_only=True, tag="HotlineCallLogged"):
    """A call on a cross-border hotline was logged by one of its two parties."""

    direction: Direction
    caller_unit: Identifier
    callee_unit: Identifier
    line: Identifier
    started_at: Instant
    ended_at: Instant | None = None
    languages: tuple[Language, ...] = ()
    interpreter: str | None = None
    summary: Text
    urgent: bool = False
    written_confirmation_required: bool = False


class LetterSent(Event, frozen=True, kw_only=True, tag="LetterSent"):
    """A letter (official correspondence) was sent to a unit across the border."""

    reference: Identifier
    from_unit: Identifier
    to_unit: Identifier
    channel: Identifier
    subject: Text
    body: Text
    confirms_call: Identifier | None = None


class LetterReceived(Event, frozen=True, kw_only=True, tag="LetterReceived"):
    """A letter from a unit across the border was received."""

    reference: Identifier
    from_unit: Identifier
    to_unit: Identifier
    channel: Identifier
    subject: Text
    body: Text
    confirms_call: Identifier | None = None


class MessageAcknowledged(Event, frozen=True, kw_only=True, tag="MessageAcknowledged"):
    """A person of the receiving unit acknowledged a call or letter (not mere technical delivery)."""

    message_id: Identifier
    by_unit: Identifier
    by_officer: Identifier
    acknowledged_at: Instant


class UrgentCallConfirmedInWriting(Event, frozen=True, kw_only=True, tag="UrgentCallConfirmedInWriting"):
    """An urgent hotline call was confirmed by a letter, closing its written-confirmation obligation."""

    call_id: Identifier
    letter_reference: Identifier
    confirmed_at: Instant

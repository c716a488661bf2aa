"""What decide needs to know about a case, folded from its events: parties, messages, obligations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec

from shared.events import (
    AnyEvent,
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)

MessageKind = Literal["call", "letter"]
Confirmation = Literal["not_required", "pending", "confirmed"]


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """A call or letter of the case, known by the event id that recorded it."""

    kind: MessageKind
    from_unit: str
    to_unit: str
    urgent: bool = False
    confirmation_required: bool = False
    acknowledged: bool = False
    confirmed_by: str | None = None
    """Reference of the letter that confirmed this (urgent) call in writing."""

    @property
    def confirmation(self) -> Confirmation:
        """Where the written-confirmation obligation of this message stands."""
        if not (self.urgent and self.confirmation_required):
            return "not_required"
        return "pending" if self.confirmed_by is None else "confirmed"


class CaseState(msgspec.Struct, frozen=True, kw_only=True):
    """A case as decide sees it; ``version`` 0 means the case has no events yet."""

    case_id: str
    version: int = 0
    parties: frozenset[str] = frozenset()
    messages: dict[str, Message] = msgspec.field(default_factory=dict)
    """Event id -> call or letter. Never mutated: evolve builds a new dict."""
    pending_confirmations: frozenset[str] = frozenset()
    """Event ids of urgent calls still awaiting their written confirmation."""

    @property
    def exists(self) -> bool:
        """True once the case has at least one event."""
        return self.version > 0


def _with_message(state: CaseState, event: AnyEvent, message: Message) -> CaseState:
    pending = state.pending_confirmations
    if message.confirmation == "pending":
        pending = pending | {event.event_id}
    return msgspec.structs.replace(
        state,
        version=event.case_version,
        parties=state.parties | {message.from_unit, message.to_unit},
        messages={**state.messages, event.event_id: message},
        pending_confirmations=pending,
    )


def _call_logged(state: CaseState, event: HotlineCallLogged) -> CaseState:
    message = Message(
        kind="call",
        from_unit=event.caller_unit,
        to_unit=event.callee_unit,
        urgent=event.urgent,
        confirmation_required=event.written_confirmation_required,
    )
    return _with_message(state, event, message)


def _letter(state: CaseState, event: LetterSent | LetterReceived) -> CaseState:
    return _with_message(state, event, Message(kind="letter", from_unit=event.from_unit, to_unit=event.to_unit))


def _acknowledged(state: CaseState, event: MessageAcknowledged) -> CaseState:
    messages = state.messages
    message = messages.get(event.message_id)
    if message is not None:
        messages = {**messages, event.message_id: msgspec.structs.replace(message, acknowledged=True)}
    return msgspec.structs.replace(state, version=event.case_version, messages=messages)


def _confirmed(state: CaseState, event: UrgentCallConfirmedInWriting) -> CaseState:
    messages = state.messages
    call = messages.get(event.call_id)
    if call is not None:
        messages = {**messages, event.call_id: msgspec.structs.replace(call, confirmed_by=event.letter_reference)}
    return msgspec.structs.replace(
        state,
        version=event.case_version,
        messages=messages,
        pending_confirmations=state.pending_confirmations - {event.call_id},
    )


_EVOLVERS: dict[type[Any], Callable[[CaseState, Any], CaseState]] = {
    HotlineCallLogged: _call_logged,
    LetterSent: _letter,
    LetterReceived: _letter,
    MessageAcknowledged: _acknowledged,
    UrgentCallConfirmedInWriting: _confirmed,
}


class UnexpectedEvent(ValueError):
    """An event of another kind of case (an incident's, a handover's): the case is not a hotline case."""


def evolve(state: CaseState, event: AnyEvent) -> CaseState:
    """The case after one more event (the event's own case_version becomes the state's version)."""
    evolver = _EVOLVERS.get(type(event))
    if evolver is None:
        raise UnexpectedEvent(f"case {state.case_id} (version {state.version}): {type(event).__name__} is not an event "
                              "of a hotline case")
    return evolver(state, event)


def fold(case_id: str, events: Iterable[AnyEvent], state: CaseState | None = None) -> CaseState:
    """Evolve from ``state`` (default: the empty case) through every event, in order."""
    current = CaseState(case_id=case_id) if state is None else state
    for event in events:
        current = evolve(current, event)
    return current

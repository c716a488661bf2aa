"""decide(command, state, now) -> the events a hotline report records, or Rejected with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.hotline.domain import reasons, rules
from services.hotline.domain.commands import (
    OPENS_CASE,
    AcknowledgeMessage,
    AnyCommand,
    ConfirmInWriting,
    LogCall,
    ReceiveLetter,
    SendLetter,
)
from services.hotline.domain.reasons import Rejected
from services.hotline.domain.state import CaseState, Message
from shared.domain.command import envelope
from shared.events import (
    AnyEvent,
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.events.ids import case_id_for
from shared.units import Unit


def case_id_of(command: AnyCommand) -> str | None:
    """The case a report is about: its case_id, else (for an opening report) one derived from command_id."""
    if command.case_id is not None:
        return command.case_id
    if type(command).__name__ in OPENS_CASE:
        return case_id_for(command.command_id)
    return None


@dataclass(frozen=True)
class _Stamp:
    """The envelope fields every event of one decision shares, and the per-event ones."""

    command: AnyCommand
    state: CaseState
    now: datetime
    author: Unit

    def envelope(self, index: int) -> dict[str, Any]:
        return envelope(self.command, self.state.case_id, self.state.version, self.now, self.author, index)


def _log_call(command: LogCall, state: CaseState, stamp: _Stamp) -> list[AnyEvent]:
    caller = rules.unit("caller_unit", command.caller_unit)
    callee = rules.unit("callee_unit", command.callee_unit)
    if caller.country == callee.country:
        raise Rejected(
            reasons.INVALID_PARTY,
            f"caller_unit {caller.code} and callee_unit {callee.code} are both in {caller.country}; "
            "a hotline call crosses the border",
        )
    if command.unit not in (caller.code, callee.code):
        raise Rejected(
            reasons.INVALID_PARTY, f"unit: {command.unit} is neither the caller_unit nor the callee_unit of this call"
        )
    expected = "outgoing" if command.unit == caller.code else "incoming"
    if command.direction != expected:
        side = "caller" if expected == "outgoing" else "callee"
        raise Rejected(
            reasons.INVALID_PARTY, f"direction: {command.unit} is the {side}, so the call is {expected!r} for it"
        )
    started = rules.local_time("started_at", command.started_at, stamp.author)
    ended = None if command.ended_at is None else rules.local_time("ended_at", command.ended_at, stamp.author)
    if ended is not None and ended.utc < started.utc:
        raise Rejected(reasons.INVALID_TIME, f"ended_at: {ended.text} is before started_at {started.text}")
    return [
        HotlineCallLogged(
            **stamp.envelope(0),
            direction=command.direction,
            caller_unit=caller.code,
            callee_unit=callee.code,
            line=command.line,
            started_at=started,
            ended_at=ended,
            languages=command.languages,
            interpreter=command.interpreter,
            summary=rules.text("summary", command.summary),
            urgent=command.urgent,
            written_confirmation_required=command.written_confirmation_required,
        )
    ]


def _send_letter(command: SendLetter, state: CaseState, stamp: _Stamp) -> list[AnyEvent]:
    rules.across_border(stamp.author, "to_unit", rules.unit("to_unit", command.to_unit))
    return [
        LetterSent(
            **stamp.envelope(0),
            reference=command.reference,
            from_unit=command.unit,
            to_unit=command.to_unit,
            channel=command.channel,
            subject=rules.text("subject", command.subject),
            body=rules.text("body", command.body),
        )
    ]


def _receive_letter(command: ReceiveLetter, state: CaseState, stamp: _Stamp) -> list[AnyEvent]:
    rules.across_border(stamp.author, "from_unit", rules.unit("from_unit", command.from_unit))
    return [
        LetterReceived(
            **stamp.envelope(0),
            reference=command.reference,
            from_unit=command.from_unit,
            to_unit=command.unit,
            channel=command.channel,
            subject=rules.text("subject", command.subject),
            body=rules.text("body", command.body),
        )
    ]


def _message(state: CaseState, field: str, message_id: str) -> Message:
    message = state.messages.get(message_id)
    if message is None:
        raise Rejected(reasons.UNKNOWN_MESSAGE, f"{field}: case {state.case_id} has no call or letter {message_id!r}")
    return message


def _acknowledge(command: AcknowledgeMessage, state: CaseState, stamp: _Stamp) -> list[AnyEvent]:
    message = _message(state, "message_id", command.message_id)
    if command.unit != message.to_unit:
        raise Rejected(
            reasons.NOT_RECIPIENT,
            f"unit: the {message.kind} {command.message_id} was addressed to {message.to_unit}; "
            f"only {message.to_unit} can acknowledge it, not {command.unit}",
        )
    if message.acknowledged:
        raise Rejected(
            reasons.ALREADY_ACKNOWLEDGED, f"message_id: the {message.kind} {command.message_id} is already acknowledged"
        )
    return [
        MessageAcknowledged(
            **stamp.envelope(0),
            message_id=command.message_id,
            by_unit=command.unit,
            by_officer=command.officer,
            acknowledged_at=rules.local_time("at", command.at, stamp.author),
        )
    ]


def _confirm(command: ConfirmInWriting, state: CaseState, stamp: _Stamp) -> list[AnyEvent]:
    call = _message(state, "call_id", command.call_id)
    if call.kind != "call":
        raise Rejected(reasons.UNKNOWN_MESSAGE, f"call_id: {command.call_id} is a letter, not a call")
    if call.confirmation == "not_required":
        raise Rejected(
            reasons.NOT_URGENT,
            f"call_id: the call {command.call_id} is not urgent with written confirmation required",
        )
    if call.confirmation == "confirmed":
        raise Rejected(
            reasons.ALREADY_CONFIRMED,
            f"call_id: the call {command.call_id} was confirmed by letter {call.confirmed_by}"
        )
    if command.unit != call.from_unit:
        raise Rejected(
            reasons.NOT_CALLER,
            f"unit: the call {command.call_id} was made by {call.from_unit}; only it confirms the call in writing",
        )
    letter = LetterSent(
        **stamp.envelope(0),
        reference=command.reference,
        from_unit=command.unit,
        to_unit=call.to_unit,
        channel="letter",
        subject=rules.text("subject", command.subject),
        body=rules.text("body", command.body),
        confirms_call=command.call_id,
    )
    confirmed = UrgentCallConfirmedInWriting(
        **stamp.envelope(1),
        call_id=command.call_id,
        letter_reference=command.reference,
        confirmed_at=rules.local_time("at", command.at, stamp.author),
    )
    return [letter, confirmed]


_DECIDERS: dict[type[Any], Callable[[Any, CaseState, _Stamp], list[AnyEvent]]] = {
    LogCall: _log_call,
    SendLetter: _send_letter,
    ReceiveLetter: _receive_letter,
    AcknowledgeMessage: _acknowledge,
    ConfirmInWriting: _confirm,
}


def _check_case(command: AnyCommand, state: CaseState) -> None:
    kind = type(command).__name__
    if not state.exists:
        if kind in OPENS_CASE:
            return
        if command.case_id is None:
            raise Rejected(reasons.UNKNOWN_CASE, f"case_id: required; {kind} refers to an existing case")
        raise Rejected(reasons.UNKNOWN_CASE, f"case_id: there is no case {command.case_id!r}")
    if command.case_id is None and kind in OPENS_CASE:
        # It opens a new case, under an id derived from its command id: if another report's case holds that id
        # (one that named it), joining it would put this report in a case someone else opened and can read.
        raise Rejected(reasons.CASE_EXISTS, f"command_id: the case this report would open ({state.case_id}) was "
                       "opened by another report; send it again under another command_id")
    if command.unit not in state.parties:
        # Need-to-know (docs/security.md): a unit not party to a case is answered as if there were no such case,
        # so a report cannot be used to learn that a case exists, or who its parties are.
        raise Rejected(reasons.UNKNOWN_CASE, f"case_id: there is no case {command.case_id!r}")


def decide(command: AnyCommand, state: CaseState, now: datetime) -> list[AnyEvent]:
    """The events this report records on ``state``'s case, fully enveloped; raises Rejected otherwise.

    Pure: the same command, state and ``now`` give the same events (ids included).
    """
    author = rules.unit("unit", command.unit)
    rules.local_time("at", command.at, author)
    _check_case(command, state)
    return _DECIDERS[type(command)](command, state, _Stamp(command, state, now, author))

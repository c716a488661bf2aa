"""Deciders of talks and meetings: record one, sign its minutes in both languages by both sides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.incidents.domain import reasons, rules
from services.incidents.domain.command_base import MAX_TEXT
from services.incidents.domain.patrol_commands import RecordMeeting, SignMinutes
from services.incidents.domain.patrol_state import MeetingState
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.stamp import Stamp
from services.incidents.domain.state_base import NewCase
from shared.events import AnyEvent, MeetingRecorded, MinutesSigned, Text


def _record(command: RecordMeeting, state: NewCase, stamp: Stamp) -> list[AnyEvent]:
    participants = rules.parties_across("participants", stamp.author, command.participants)
    for i, head in enumerate(command.delegation_heads):
        rules.party(f"delegation_heads[{i}].unit", head.unit, participants)
    held = stamp.local("held_at", command.held_at)
    rules.not_before("at", stamp.local("at", command.at), "held_at", held)
    return [
        MeetingRecorded(
            **stamp.envelope(),
            kind=command.kind,
            participants=participants,
            held_at=held,
            delegation_heads=command.delegation_heads,
            border_gate=command.border_gate,
            place=rules.maybe_text("place", command.place),
            summary=rules.text("summary", command.summary),
        )
    ]


def _both_languages(minutes: Text) -> Text:
    """Minutes carry a Vietnamese and a Chinese text, equally authentic (ADR 0015)."""
    for language in ("vi", "zh"):
        content = minutes.get(language)
        if content is None or not content.strip():
            raise Rejected(
                reasons.MINUTES_INCOMPLETE,
                f"minutes.{language}: missing; minutes are signed in Vietnamese and Chinese, both texts authentic",
            )
        if len(content) > MAX_TEXT:
            raise Rejected(
                reasons.INVALID_TEXT, f"minutes.{language}: {len(content)} characters; the limit is {MAX_TEXT}"
            )
    return minutes


def _sign(command: SignMinutes, state: MeetingState, stamp: Stamp) -> list[AnyEvent]:
    if state.signed:
        raise Rejected(reasons.ALREADY_SIGNED, f"case_id: the minutes of meeting {state.case_id} were signed already")
    minutes = _both_languages(command.minutes)
    rules.officers_of_both_sides("signatories", command.signatories, state.parties, reasons.SIGNATORIES_INCOMPLETE)
    return [
        MinutesSigned(
            **stamp.envelope(),
            minutes=minutes,
            signatories=command.signatories,
            signed_at=stamp.local("at", command.at),
        )
    ]


MEETING_DECIDERS: dict[type[Any], Callable[[Any, Any, Stamp], list[AnyEvent]]] = {
    RecordMeeting: _record,
    SignMinutes: _sign,
}

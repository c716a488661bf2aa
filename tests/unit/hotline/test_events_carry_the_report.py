"""Each hotline event records what its report said: no field of an accepted report is dropped or replaced."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from services.hotline.domain import CaseState, Rejected, decide, fold
from shared.events import AnyEvent, HotlineCallLogged, LetterReceived, LetterSent, UrgentCallConfirmedInWriting
from tests.unit.hotline.reports import CN, NOW, VN, VN_OTHER, command, confirm, log_call, receive_letter, send_letter

CASE = "HL-CARRY"
EMPTY = CaseState(case_id=CASE)


def _carried(event: AnyEvent, report: dict[str, Any], *names: str) -> None:
    """Each named field of the event is the report's value for it."""
    recorded = msgspec.json.decode(msgspec.json.encode(event))
    for name in names:
        assert recorded[name] == report[name], name


def test_a_logged_call_records_line_languages_and_interpreter() -> None:
    """HotlineCallLogged keeps the line, the languages and the interpreter the report named."""
    report = log_call(case_id=CASE, line="LC-HK-9", languages=["zh", "en"], interpreter="Nguyen Thi Lan")
    [event] = decide(command(report), EMPTY, NOW)
    assert isinstance(event, HotlineCallLogged)
    _carried(event, report, "line", "languages", "interpreter", "summary", "direction", "urgent")


@pytest.mark.parametrize(
    ("unit", "direction", "side"),
    [(VN, "incoming", "caller"), (CN, "outgoing", "callee")],
)
def test_a_wrong_direction_is_refused_naming_the_units_side(unit: str, direction: str, side: str) -> None:
    """The refusal says whether the reporting unit is the caller or the callee, and which direction that means."""
    times = {} if unit == VN else {"started_at": "2026-11-23T10:10:00+08:00", "ended_at": "2026-11-23T10:17:00+08:00"}
    at = "2026-11-23T09:20:00+07:00" if unit == VN else "2026-11-23T10:20:00+08:00"
    with pytest.raises(Rejected) as refused:
        decide(command(log_call(unit=unit, direction=direction, at=at, **times)), EMPTY, NOW)
    expected = "outgoing" if side == "caller" else "incoming"
    assert refused.value.message == f"direction: {unit} is the {side}, so the call is {expected!r} for it"


def test_a_sent_letter_records_its_channel_subject_and_body() -> None:
    """LetterSent keeps the reference, the channel, the subject and the body."""
    report = send_letter(case_id=CASE, channel="fax")
    [event] = decide(command(report), EMPTY, NOW)
    assert isinstance(event, LetterSent)
    _carried(event, report, "reference", "channel", "subject", "body", "to_unit")


def test_a_received_letter_records_its_reference_channel_subject_and_body() -> None:
    """LetterReceived keeps the reference, the channel, the subject and the body."""
    report = receive_letter(case_id=CASE, channel="liaison_officer")
    [event] = decide(command(report), EMPTY, NOW)
    assert isinstance(event, LetterReceived)
    _carried(event, report, "reference", "channel", "subject", "body", "from_unit")


def test_a_written_confirmation_records_the_letter_and_when() -> None:
    """The confirming LetterSent goes by letter with the report's subject and body; the confirmation has its time."""
    state = fold(CASE, decide(command(log_call(case_id=CASE)), EMPTY, NOW))
    call_id = next(iter(state.messages))
    report = confirm(CASE, call_id)
    letter, confirmed = decide(command(report), state, NOW)
    assert isinstance(letter, LetterSent)
    assert isinstance(confirmed, UrgentCallConfirmedInWriting)
    assert letter.channel == "letter"
    _carried(letter, report, "subject", "body", "reference")
    assert confirmed.confirmed_at.text == report["at"]


def test_a_unit_not_party_is_refused_naming_no_party() -> None:
    """The refusal names none of the case's parties: a non-party learns nothing of a case it may not see."""
    state = fold(CASE, decide(command(log_call(case_id=CASE)), EMPTY, NOW))
    with pytest.raises(Rejected) as refused:
        decide(command(send_letter(case_id=CASE, unit=VN_OTHER, to_unit=CN)), state, NOW)
    assert not any(party in refused.value.message for party in state.parties)

"""decide: the events each hotline report records, and every rule that rejects one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.hotline.domain import CaseState, Rejected, case_id_of, decide
from services.hotline.domain.commands import MAX_TEXT
from shared.events import (
    AnyEvent,
    HotlineCallLogged,
    Instant,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.events.ids import case_id_for, event_id
from tests.unit.hotline.decided import record, refusal
from tests.unit.hotline.reports import (
    CN,
    NOW,
    VN,
    VN_OTHER,
    acknowledge,
    command,
    confirm,
    log_call,
    receive_letter,
    send_letter,
)

CASE = "HL-TEST"
EMPTY = CaseState(case_id=CASE)


def _reject(report: dict[str, Any], state: CaseState = EMPTY) -> Rejected:
    return refusal(report, state)


def _case_with_call(**call: Any) -> tuple[CaseState, str]:
    state, events = record(CASE, log_call(case_id=CASE, **call))
    return state, events[0].event_id


def _then(state: CaseState, report: dict[str, Any]) -> tuple[CaseState, list[AnyEvent]]:
    return record(CASE, report, state)


# --- what an accepted report records -------------------------------------------------------


def test_log_call_records_one_fully_enveloped_event() -> None:
    """A call opening a case gets version 1, a derived id, the author's clock and every envelope field."""
    report = log_call("cmd-1", handling="H2", exercise=True)
    [event] = decide(command(report), EMPTY, NOW)
    assert isinstance(event, HotlineCallLogged)
    assert event.event_id == event_id(NOW, "cmd-1", 0)
    assert (event.case_id, event.case_version) == (CASE, 1)
    assert event.recorded_at == NOW
    assert event.occurred_at == Instant(
        utc=datetime(2026, 11, 23, 2, 20, tzinfo=UTC), offset="+07:00", text="2026-11-23T09:20:00+07:00"
    )
    assert event.started_at.text == "2026-11-23T09:10:00+07:00"
    assert event.ended_at is not None
    assert event.ended_at.utc == datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
    assert (event.unit, event.officer, event.causation_id, event.correlation_id) == (VN, "Officer A", "cmd-1", "cmd-1")
    assert (event.handling, event.exercise) == ("H2", True)
    assert (event.caller_unit, event.callee_unit, event.direction, event.urgent) == (VN, CN, "outgoing", True)
    assert event.summary.vi == "Năm người gần mốc 102"


def test_correlation_id_is_carried_when_given() -> None:
    """A report's correlation_id is copied onto its events instead of the command id."""
    [event] = decide(command(log_call("cmd-1", correlation_id="thread-9")), EMPTY, NOW)
    assert event.correlation_id == "thread-9"


def test_decide_is_pure_and_reproducible() -> None:
    """The same report on the same state at the same instant gives equal events, ids included."""
    report = command(log_call())
    assert decide(report, EMPTY, NOW) == decide(report, EMPTY, NOW)


def test_an_incoming_call_logged_by_the_callee_is_accepted() -> None:
    """The Chinese callee logs the same call as incoming, in its own +08:00 clock."""
    report = log_call(
        unit=CN, direction="incoming", at="2026-11-23T10:20:00+08:00",
        started_at="2026-11-23T10:10:00+08:00", ended_at="2026-11-23T10:17:00+08:00",
    )
    [event] = decide(command(report), EMPTY, NOW)
    assert isinstance(event, HotlineCallLogged)
    assert (event.direction, event.occurred_at.offset) == ("incoming", "+08:00")


def test_send_and_receive_letter_record_letters_in_their_direction() -> None:
    """SendLetter records LetterSent author->to_unit; ReceiveLetter records LetterReceived from_unit->author."""
    [sent] = decide(command(send_letter(case_id=CASE)), EMPTY, NOW)
    assert isinstance(sent, LetterSent)
    assert (sent.from_unit, sent.to_unit, sent.reference, sent.confirms_call) == (VN, CN, "LC/2026/1", None)
    [received] = decide(command(receive_letter(case_id=CASE)), EMPTY, NOW)
    assert isinstance(received, LetterReceived)
    assert (received.from_unit, received.to_unit) == (CN, VN)


def test_an_existing_case_gets_the_next_version() -> None:
    """A report on a case at version 1 records version 2."""
    state, _ = _case_with_call()
    [letter] = decide(command(send_letter(case_id=CASE)), state, NOW)
    assert letter.case_version == 2


def test_acknowledgement_records_who_acknowledged_and_when() -> None:
    """The receiving unit's acknowledgement names the message, the unit, the officer and its own clock."""
    state, call_id = _case_with_call()
    [ack] = decide(command(acknowledge(CASE, call_id, officer="Li Wei")), state, NOW)
    assert isinstance(ack, MessageAcknowledged)
    assert (ack.message_id, ack.by_unit, ack.by_officer, ack.case_version) == (call_id, CN, "Li Wei", 2)
    assert ack.acknowledged_at.offset == "+08:00"


def test_confirm_in_writing_records_the_letter_and_the_confirmation() -> None:
    """ConfirmInWriting records LetterSent(confirms_call) then UrgentCallConfirmedInWriting, ids 0 and 1."""
    state, call_id = _case_with_call()
    letter, confirmed = decide(command(confirm(CASE, call_id, "cmd-c", reference="LC/7")), state, NOW)
    assert isinstance(letter, LetterSent)
    assert isinstance(confirmed, UrgentCallConfirmedInWriting)
    assert (letter.confirms_call, letter.from_unit, letter.to_unit, letter.reference) == (call_id, VN, CN, "LC/7")
    assert (confirmed.call_id, confirmed.letter_reference) == (call_id, "LC/7")
    assert [letter.case_version, confirmed.case_version] == [2, 3]
    assert [letter.event_id, confirmed.event_id] == [event_id(NOW, "cmd-c", 0), event_id(NOW, "cmd-c", 1)]


def test_case_id_of_uses_the_given_id_or_derives_one_for_opening_reports() -> None:
    """An opening report without case_id gets case_id_for(command_id); others get None."""
    assert case_id_of(command(log_call("cmd-x", case_id="HL-GIVEN"))) == "HL-GIVEN"
    assert case_id_of(command(log_call("cmd-x"))) == case_id_for("cmd-x")
    assert case_id_of(command(send_letter("cmd-y"))) == case_id_for("cmd-y")
    ack = acknowledge(CASE, "m")
    del ack["case_id"]
    assert case_id_of(command(ack)) is None


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "field"),
    [
        (log_call(unit="VN-NOWHERE"), "unit"),
        (log_call(caller_unit="VN-NOWHERE"), "caller_unit"),
        (log_call(callee_unit="CN-NOWHERE"), "callee_unit"),
        (send_letter(to_unit="CN-NOWHERE"), "to_unit"),
        (receive_letter(from_unit="CN-NOWHERE"), "from_unit"),
    ],
)
def test_unknown_unit_names_the_field(report: dict[str, Any], field: str) -> None:
    """A unit code not in the registry is refused, naming the field that holds it."""
    err = _reject(report)
    assert err.code == "unknown_unit"
    assert err.message.startswith(f"{field}: ")
    assert "NOWHERE" in err.message


@pytest.mark.parametrize("field", ["at", "started_at", "ended_at"])
def test_a_time_in_another_offset_than_the_units_is_refused(field: str) -> None:
    """A Vietnamese unit giving a +08:00 time is refused with wrong_offset, naming the field."""
    err = _reject(log_call(**{field: "2026-11-23T10:15:00+08:00"}))
    assert err.code == "wrong_offset"
    assert err.message.startswith(f"{field}: ")
    assert "+07:00" in err.message


def test_same_instant_in_utc_is_still_the_wrong_offset() -> None:
    """A correct instant written in UTC is refused: the log keeps the author's own clock."""
    err = _reject(send_letter(at="2026-11-23T03:00:00+00:00"))
    assert (err.code, err.message.split(":")[0]) == ("wrong_offset", "at")


def test_a_call_between_units_of_one_country_is_refused() -> None:
    """Caller and callee in the same country is not a cross-border call."""
    err = _reject(log_call(callee_unit=VN_OTHER))
    assert err.code == "invalid_party"
    assert "both in VN" in err.message


def test_a_call_not_involving_the_sending_unit_is_refused() -> None:
    """The unit logging a call must be its caller or its callee."""
    err = _reject(log_call(unit=VN_OTHER))
    assert err.code == "invalid_party"
    assert err.message.startswith("unit: ")


@pytest.mark.parametrize(
    ("unit", "direction", "at"),
    [(VN, "incoming", "2026-11-23T09:20:00+07:00"), (CN, "outgoing", "2026-11-23T10:20:00+08:00")],
)
def test_direction_must_match_the_sending_units_side(unit: str, direction: str, at: str) -> None:
    """The caller logs 'outgoing' and the callee 'incoming'; the other way round is refused."""
    times = {} if unit == VN else {"started_at": "2026-11-23T10:10:00+08:00", "ended_at": "2026-11-23T10:17:00+08:00"}
    err = _reject(log_call(unit=unit, direction=direction, at=at, **times))
    assert err.code == "invalid_party"
    assert err.message.startswith("direction: ")


@pytest.mark.parametrize(
    "report", [send_letter(to_unit=VN_OTHER), receive_letter(from_unit=VN_OTHER)], ids=["send", "receive"]
)
def test_a_letter_within_one_country_is_refused(report: dict[str, Any]) -> None:
    """Letters recorded here cross the border: a same-country counterpart is refused."""
    err = _reject(report)
    assert err.code == "invalid_party"
    assert VN_OTHER in err.message


def test_a_call_ending_before_it_started_is_refused() -> None:
    """ended_at before started_at is refused as invalid_time."""
    err = _reject(log_call(ended_at="2026-11-23T09:05:00+07:00"))
    assert err.code == "invalid_time"
    assert err.message.startswith("ended_at: ")


def test_a_call_still_going_or_of_zero_length_is_accepted() -> None:
    """No ended_at, or ended_at equal to started_at, is fine."""
    assert decide(command(log_call(ended_at=None)), EMPTY, NOW)
    assert decide(command(log_call(ended_at="2026-11-23T09:10:00+07:00")), EMPTY, NOW)


@pytest.mark.parametrize(
    ("report", "field"),
    [
        (log_call(summary={"original": "vi", "zh": "只有中文"}), "summary"),
        (log_call(summary={"original": "zh", "vi": "chỉ tiếng Việt", "zh": "   "}), "summary"),
        (send_letter(subject={"original": "vi", "vi": ""}), "subject"),
        (receive_letter(body={"original": "zh", "vi": "thiếu bản gốc"}), "body"),
    ],
)
def test_text_must_hold_its_original_language(report: dict[str, Any], field: str) -> None:
    """Free text whose original language is missing or blank is refused, naming the field."""
    err = _reject(report)
    assert err.code == "invalid_text"
    assert err.message.startswith(f"{field}: ")


def test_text_over_the_limit_in_any_language_is_refused() -> None:
    """A translation longer than MAX_TEXT is refused, naming field.language; MAX_TEXT itself is fine."""
    err = _reject(send_letter(body={"original": "vi", "vi": "ok", "en": "x" * (MAX_TEXT + 1)}))
    assert err.code == "invalid_text"
    assert err.message.startswith("body.en: ")
    assert decide(command(send_letter(body={"original": "vi", "vi": "x" * MAX_TEXT})), EMPTY, NOW)


def test_a_unit_not_party_to_the_case_is_refused() -> None:
    """A unit that takes no part in an existing case cannot report on it, and is answered exactly as if there were
    no such case (need-to-know: a report cannot be used to learn a case exists)."""
    state, call_id = _case_with_call()
    report = acknowledge(CASE, call_id, unit=VN_OTHER, at="2026-11-23T09:25:00+07:00")
    err = _reject(report, state)
    assert err.code == "unknown_case"
    assert CASE in err.message
    none = _reject(report, CaseState(case_id=CASE))
    assert (none.code, none.message) == (err.code, err.message)


def test_an_opening_report_may_name_a_new_case() -> None:
    """A call naming a case id that has no events yet opens that case."""
    [event] = decide(command(log_call(case_id="HL-CHOSEN")), CaseState(case_id="HL-CHOSEN"), NOW)
    assert (event.case_id, event.case_version) == ("HL-CHOSEN", 1)


def test_a_non_opening_report_needs_an_existing_case() -> None:
    """Acknowledging in a case that does not exist, or naming no case, is unknown_case."""
    err = _reject(acknowledge("HL-MISSING", "m"), CaseState(case_id="HL-MISSING"))
    assert err.code == "unknown_case"
    assert "HL-MISSING" in err.message
    report = acknowledge(CASE, "m")
    del report["case_id"]
    err = _reject(report, CaseState(case_id=""))
    assert (err.code, err.message.split(":")[0]) == ("unknown_case", "case_id")


def test_acknowledging_an_unknown_message_is_refused() -> None:
    """The message acknowledged must be a call or letter of the case."""
    state, _ = _case_with_call()
    err = _reject(acknowledge(CASE, "no-such-event"), state)
    assert err.code == "unknown_message"
    assert err.message.startswith("message_id: ")


def test_only_the_receiving_unit_acknowledges() -> None:
    """The caller cannot acknowledge its own call: not_recipient."""
    state, call_id = _case_with_call()
    err = _reject(acknowledge(CASE, call_id, unit=VN, at="2026-11-23T09:25:00+07:00"), state)
    assert err.code == "not_recipient"
    assert CN in err.message


def test_a_message_is_acknowledged_once() -> None:
    """A second acknowledgement of the same message is refused."""
    state, call_id = _case_with_call()
    state, _ = _then(state, acknowledge(CASE, call_id))
    err = _reject(acknowledge(CASE, call_id, "cmd-ack-2"), state)
    assert err.code == "already_acknowledged"


def test_confirming_an_unknown_call_or_a_letter_is_refused() -> None:
    """call_id must name a call of the case: neither a missing id nor a letter will do."""
    state, _ = _case_with_call()
    state, [letter] = _then(state, send_letter(case_id=CASE))
    for call_id in ("no-such-call", letter.event_id):
        err = _reject(confirm(CASE, call_id), state)
        assert err.code == "unknown_message"
        assert err.message.startswith("call_id: ")


@pytest.mark.parametrize(
    "call", [{"urgent": False}, {"written_confirmation_required": False}], ids=["not-urgent", "not-required"]
)
def test_confirming_a_call_that_needs_no_letter_is_refused(call: dict[str, Any]) -> None:
    """Only urgent calls with written confirmation required can be confirmed in writing."""
    state, call_id = _case_with_call(**call)
    err = _reject(confirm(CASE, call_id), state)
    assert err.code == "not_urgent"


def test_a_call_is_confirmed_once() -> None:
    """A second written confirmation of the same call is refused, naming the first letter."""
    state, call_id = _case_with_call()
    state, _ = _then(state, confirm(CASE, call_id, reference="LC/1"))
    err = _reject(confirm(CASE, call_id, "cmd-confirm-2", reference="LC/2"), state)
    assert err.code == "already_confirmed"
    assert "LC/1" in err.message


def test_only_the_caller_confirms_its_call() -> None:
    """The callee cannot confirm the caller's call in writing."""
    state, call_id = _case_with_call()
    err = _reject(confirm(CASE, call_id, unit=CN, at="2026-11-23T10:40:00+08:00"), state)
    assert err.code == "not_caller"


def test_an_opening_report_never_joins_a_case_another_report_opened_under_its_derived_id() -> None:
    """Hekou opens a case naming the id Lao Cai's next call would derive; that call is refused ``case_exists``
    rather than recorded in Hekou's case (where Hekou would read a call with a third unit)."""
    squatted = case_id_for("vn-call-7")
    letter = send_letter("hk-letter", unit=CN, to_unit=VN, case_id=squatted, at="2026-11-23T11:00:00+08:00",
                         subject={"original": "zh", "zh": "联络"}, body={"original": "zh", "zh": "请回复"})
    state, _ = record(squatted, letter)
    call = log_call("vn-call-7", callee_unit="CN-HH-BMT")
    assert case_id_of(command(call)) == squatted
    refused = refusal(call, state)
    assert refused.code == "case_exists"
    assert "command_id" in refused.message

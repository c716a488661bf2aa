"""Every refusal of a hotline report starts with the field at fault, so the sender knows what to fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.hotline.domain import CaseState
from tests.unit.hotline.decided import record, record_all, refusal
from tests.unit.hotline.reports import CN, VN, VN_OTHER, acknowledge, confirm, log_call, receive_letter, send_letter

CASE = "HL-FIELDS"
EMPTY = CaseState(case_id=CASE)
BAD = {"original": "vi", "zh": "chỉ có bản dịch"}
"""Free text whose original language (Vietnamese) is missing."""


def _acknowledged_twice() -> tuple[CaseState, dict[str, Any]]:
    state, [call_id] = record_all(CASE, log_call(case_id=CASE))
    state, _ = record(CASE, acknowledge(CASE, call_id), state)
    return state, acknowledge(CASE, call_id, "cmd-ack-2")


def _not_urgent() -> tuple[CaseState, dict[str, Any]]:
    state, [call_id] = record_all(CASE, log_call(case_id=CASE, urgent=False, written_confirmation_required=False))
    return state, confirm(CASE, call_id)


def _confirmed_by_callee() -> tuple[CaseState, dict[str, Any]]:
    state, [call_id] = record_all(CASE, log_call(case_id=CASE))
    return state, confirm(CASE, call_id, unit=CN, at="2026-11-23T10:40:00+08:00")


def _confirmation_text(field: str) -> Callable[[], tuple[CaseState, dict[str, Any]]]:
    def build() -> tuple[CaseState, dict[str, Any]]:
        state, [call_id] = record_all(CASE, log_call(case_id=CASE))
        return state, confirm(CASE, call_id, **{field: BAD})

    return build


REFUSALS: list[tuple[str, Callable[[], tuple[CaseState, dict[str, Any]]], str, str]] = [
    ("letter-sent-within-one-country", lambda: (EMPTY, send_letter(to_unit=VN_OTHER)), "invalid_party",
     f"to_unit: {VN_OTHER} is in VN, like the sending unit {VN}"),
    ("letter-received-within-one-country", lambda: (EMPTY, receive_letter(from_unit=VN_OTHER)), "invalid_party",
     f"from_unit: {VN_OTHER} is in VN, like the sending unit {VN}"),
    ("received-subject", lambda: (EMPTY, receive_letter(subject=BAD)), "invalid_text", "subject: "),
    ("acknowledged-twice", _acknowledged_twice, "already_acknowledged", "message_id: the call "),
    ("confirming-a-call-needing-none", _not_urgent, "not_urgent", "call_id: the call "),
    ("confirmed-by-the-callee", _confirmed_by_callee, "not_caller", "unit: the call "),
    ("confirmation-subject", _confirmation_text("subject"), "invalid_text", "subject: "),
    ("confirmation-body", _confirmation_text("body"), "invalid_text", "body: "),
]


@pytest.mark.parametrize(("setup", "code", "start"), [row[1:] for row in REFUSALS], ids=[row[0] for row in REFUSALS])
def test_a_refusal_starts_with_the_field_at_fault(
    setup: Callable[[], tuple[CaseState, dict[str, Any]]], code: str, start: str
) -> None:
    """The report is refused with its code, and the message starts with the field (and the problem) named."""
    state, report = setup()
    refused = refusal(report, state)
    assert refused.code == code
    assert refused.message.startswith(start), refused.message

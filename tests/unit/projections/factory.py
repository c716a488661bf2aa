"""Hand-built hotline events for projection tests (no hotline service involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import (
    AnyEvent,
    HotlineCallLogged,
    Instant,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    Text,
    UrgentCallConfirmedInWriting,
)

START = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
"""09:15 in Lao Cai, 10:15 in Hekou."""
VN = "VN-LC-IBGS"
CN = "CN-HK-IBCS"
OFFSETS = {"VN": "+07:00", "CN": "+08:00"}


def _offset(unit: str) -> str:
    return OFFSETS[unit[:2]]


class CaseBuilder:
    """Builds a case's events with consecutive versions, one minute apart."""

    def __init__(self, case_id: str, start: datetime = START) -> None:
        self.case_id = case_id
        self.start = start
        self.version = 0
        self.events: list[AnyEvent] = []

    def _envelope(self, unit: str, **overrides: Any) -> dict[str, Any]:
        self.version += 1
        moment = self.start + timedelta(minutes=self.version)
        envelope: dict[str, Any] = {
            "event_id": f"{self.case_id}-e{self.version}",
            "case_id": self.case_id,
            "case_version": self.version,
            "occurred_at": Instant.at(moment, _offset(unit)),
            "recorded_at": moment + timedelta(seconds=5),
            "unit": unit,
            "officer": f"officer-{unit}",
            "causation_id": f"cmd-{self.case_id}-{self.version}",
            "correlation_id": self.case_id,
        }
        envelope.update(overrides)
        return envelope

    def _add(self, event: AnyEvent) -> AnyEvent:
        self.events.append(event)
        return event

    def call(
        self, caller: str = VN, callee: str = CN, *, urgent: bool = False, confirm: bool = False, **overrides: Any
    ) -> HotlineCallLogged:
        env = self._envelope(caller, **overrides)
        event = HotlineCallLogged(
            **env,
            direction="outgoing",
            caller_unit=caller,
            callee_unit=callee,
            line="LC-HK-1",
            started_at=env["occurred_at"],
            summary=Text(original="vi", vi="Trao đổi tình hình", zh="通报情况"),
            urgent=urgent,
            written_confirmation_required=confirm,
        )
        self._add(event)
        return event

    def letter_sent(self, from_unit: str = VN, to_unit: str = CN, reference: str = "LS-1") -> LetterSent:
        event = LetterSent(
            **self._envelope(from_unit),
            reference=reference,
            from_unit=from_unit,
            to_unit=to_unit,
            channel="letter",
            subject=Text(original="vi", vi="Công hàm"),
            body=Text(original="vi", vi="Nội dung"),
        )
        self._add(event)
        return event

    def letter_received(self, from_unit: str = CN, to_unit: str = VN, reference: str = "LR-1") -> LetterReceived:
        event = LetterReceived(
            **self._envelope(to_unit),
            reference=reference,
            from_unit=from_unit,
            to_unit=to_unit,
            channel="letter",
            subject=Text(original="zh", zh="照会"),
            body=Text(original="zh", zh="内容"),
        )
        self._add(event)
        return event

    def ack(self, message_id: str, by_unit: str = CN) -> MessageAcknowledged:
        env = self._envelope(by_unit)
        event = MessageAcknowledged(
            **env, message_id=message_id, by_unit=by_unit, by_officer="duty officer", acknowledged_at=env["occurred_at"]
        )
        self._add(event)
        return event

    def confirm(self, call_id: str, by_unit: str = VN, reference: str = "LC-1") -> UrgentCallConfirmedInWriting:
        env = self._envelope(by_unit)
        event = UrgentCallConfirmedInWriting(
            **env, call_id=call_id, letter_reference=reference, confirmed_at=env["occurred_at"]
        )
        self._add(event)
        return event


def busy_case(case_id: str) -> CaseBuilder:
    """A case with one event of every kind, and obligations both opened and closed."""
    b = CaseBuilder(case_id)
    urgent = b.call(urgent=True, confirm=True)
    b.letter_sent()
    b.ack(urgent.event_id)
    b.confirm(urgent.event_id)
    b.letter_received()
    b.call(caller=CN, callee=VN)
    return b

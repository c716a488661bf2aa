"""Builders of hotline reports for tests: valid by default, any field overridable, decoded like the intake."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from services.hotline.domain.commands import AnyCommand

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
VN = "VN-LC-IBGS"
"""Lao Cai International Border Gate station (Vietnam, +07:00)."""
CN = "CN-HK-IBCS"
"""Hekou port station (China, +08:00)."""
VN_OTHER = "VN-LC-BGC"
CN_OTHER = "CN-HH-BMT"

_decoder = msgspec.json.Decoder(AnyCommand)


def command(report: dict[str, Any]) -> AnyCommand:
    """Decode a report the way the intake does (JSON bytes -> command)."""
    result: AnyCommand = _decoder.decode(msgspec.json.encode(report))
    return result


def _base(kind: str, command_id: str, unit: str, at: str, overrides: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"type": kind, "command_id": command_id, "unit": unit, "officer": "Officer A", "at": at}
    report.update(overrides)
    return {k: v for k, v in report.items() if v is not None}


def log_call(command_id: str = "cmd-call", **overrides: Any) -> dict[str, Any]:
    """An urgent outgoing call from the Vietnamese station to Hekou, needing written confirmation."""
    fields: dict[str, Any] = {
        "direction": "outgoing",
        "caller_unit": VN,
        "callee_unit": CN,
        "line": "LC-HK-1",
        "started_at": "2026-11-23T09:10:00+07:00",
        "ended_at": "2026-11-23T09:17:00+07:00",
        "languages": ["vi", "zh"],
        "summary": {"original": "vi", "vi": "Năm người gần mốc 102", "zh": "102号界碑附近五人"},
        "urgent": True,
        "written_confirmation_required": True,
    }
    return _base("LogCall", command_id, overrides.pop("unit", VN), "2026-11-23T09:20:00+07:00", fields | overrides)


def send_letter(command_id: str = "cmd-letter", **overrides: Any) -> dict[str, Any]:
    """A letter from the Vietnamese station to Hekou."""
    fields: dict[str, Any] = {
        "reference": "LC/2026/1",
        "to_unit": CN,
        "subject": {"original": "vi", "vi": "Tuần tra chung"},
        "body": {"original": "vi", "vi": "Đề nghị tuần tra chung từ ngày 15 đến ngày 25."},
    }
    return _base("SendLetter", command_id, overrides.pop("unit", VN), "2026-11-23T10:00:00+07:00", fields | overrides)


def receive_letter(command_id: str = "cmd-receive", **overrides: Any) -> dict[str, Any]:
    """The Vietnamese station records a letter from Hekou."""
    fields: dict[str, Any] = {
        "reference": "HK/2026/7",
        "from_unit": CN,
        "subject": {"original": "zh", "zh": "互市日"},
        "body": {"original": "zh", "zh": "请协助维持秩序。"},
    }
    unit = overrides.pop("unit", VN)
    return _base("ReceiveLetter", command_id, unit, "2026-11-23T11:00:00+07:00", fields | overrides)


def acknowledge(case_id: str, message_id: str, command_id: str = "cmd-ack", **overrides: Any) -> dict[str, Any]:
    """Hekou acknowledges a message of the case."""
    fields: dict[str, Any] = {"case_id": case_id, "message_id": message_id}
    return _base(
        "AcknowledgeMessage", command_id, overrides.pop("unit", CN), "2026-11-23T10:25:00+08:00", fields | overrides
    )


def confirm(case_id: str, call_id: str, command_id: str = "cmd-confirm", **overrides: Any) -> dict[str, Any]:
    """The Vietnamese station confirms its urgent call by letter."""
    fields: dict[str, Any] = {
        "case_id": case_id,
        "call_id": call_id,
        "reference": "LC/2026/2",
        "subject": {"original": "vi", "vi": "Xác nhận cuộc gọi khẩn"},
        "body": {"original": "vi", "vi": "Xác nhận bằng văn bản."},
    }
    return _base(
        "ConfirmInWriting", command_id, overrides.pop("unit", VN), "2026-11-23T09:40:00+07:00", fields | overrides
    )

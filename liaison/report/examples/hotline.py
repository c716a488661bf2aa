"""Sample reports of the hotline service, one per type: valid as they are, drawn from the seed units and practices."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.units import get

Report = dict[str, Any]


def _local(unit_code: str, moment: datetime) -> str:
    unit = get(unit_code)
    offset = unit.utc_offset if unit else "+00:00"
    sign = 1 if offset[0] == "+" else -1
    tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def _base(kind: str, unit: str, officer: str, now: datetime, case_id: str | None = None) -> Report:
    report: Report = {
        "type": kind,
        "command_id": str(uuid.uuid4()),
        "unit": unit,
        "officer": officer,
        "at": _local(unit, now),
    }
    if case_id is not None:
        report["case_id"] = case_id
    return report


def log_call(now: datetime) -> Report:
    """An urgent call from Lao Cai International Border Gate station to Hekou about a suspected crossing."""
    started = now - timedelta(minutes=12)
    return _base("LogCall", "VN-LC-IBGS", "Lt. Col. Vu Tran Minh Dat", now) | {
        "direction": "outgoing",
        "caller_unit": "VN-LC-IBGS",
        "callee_unit": "CN-HK-IBCS",
        "line": "LC-HK-hotline-1",
        "started_at": _local("VN-LC-IBGS", started),
        "ended_at": _local("VN-LC-IBGS", started + timedelta(minutes=7)),
        "languages": ["vi", "zh"],
        "interpreter": "Capt. Nong Van Hai",
        "summary": {
            "original": "vi",
            "vi": "Thông báo nhóm 5 người có dấu hiệu xuất cảnh trái phép gần mốc 102, đề nghị phối hợp kiểm soát.",
            "zh": "通报102号界碑附近有5人疑似非法越境，请求协同管控。",
            "en": "Five people near marker 102 appear about to cross illegally; joint control requested.",
        },
        "urgent": True,
        "written_confirmation_required": True,
    }


def send_letter(now: datetime) -> Report:
    """Lao Cai Border Guard Command writes to Hong Ha Border Management Team about the monthly joint patrol."""
    return _base("SendLetter", "VN-LC-BGC", "Col. Tran Quang Tung", now) | {
        "reference": f"BCH-LC/{now:%Y}/{uuid.uuid4().hex[:6]}",
        "to_unit": "CN-HH-BMT",
        "channel": "liaison_officer",
        "subject": {"original": "vi", "vi": "Tuần tra chung tháng này", "zh": "本月联合巡逻"},
        "body": {
            "original": "vi",
            "vi": "Đề nghị tổ chức tuần tra chung từ ngày 15 đến ngày 25, đoạn mốc 85 đến mốc 172.",
            "zh": "建议于15日至25日在85号至172号界碑段组织联合巡逻。",
        },
    }


def receive_letter(now: datetime) -> Report:
    """Bat Xat station records a letter from Pa Sa Border Post about a twinned-village market day."""
    return _base("ReceiveLetter", "VN-LC-BXBGS", "Lt. Col. Dinh Quang Chinh", now) | {
        "reference": f"BS-BP/{now:%Y}/{uuid.uuid4().hex[:6]}",
        "from_unit": "CN-PS-BP",
        "channel": "letter",
        "subject": {"original": "zh", "zh": "边民互市日安全通报", "vi": "Thông báo an ninh ngày chợ biên giới"},
        "body": {
            "original": "zh",
            "zh": "本周六坝洒互市日，请贵站协助维持秩序并分发双语宣传单。",
            "vi": "Thứ Bảy này là ngày chợ Pa Sa, đề nghị Đồn phối hợp giữ trật tự và phát tờ rơi song ngữ.",
        },
    }


def acknowledge_message(now: datetime) -> Report:
    """Hekou acknowledges a call; replace case_id and message_id with the ones ``send`` returned."""
    return _base("AcknowledgeMessage", "CN-HK-IBCS", "Li Wei", now, case_id="HL-REPLACEME") | {
        "message_id": "EVENT-ID-OF-THE-CALL",
    }


def confirm_in_writing(now: datetime) -> Report:
    """Lao Cai station confirms its urgent call by letter; replace case_id and call_id."""
    return _base("ConfirmInWriting", "VN-LC-IBGS", "Lt. Col. Vu Tran Minh Dat", now, case_id="HL-REPLACEME") | {
        "call_id": "EVENT-ID-OF-THE-CALL",
        "reference": f"DBP-CKQT/{now:%Y}/{uuid.uuid4().hex[:6]}",
        "subject": {"original": "vi", "vi": "Xác nhận cuộc gọi khẩn", "zh": "紧急电话书面确认"},
        "body": {
            "original": "vi",
            "vi": "Xác nhận bằng văn bản nội dung cuộc gọi đường dây nóng về nhóm người gần mốc 102.",
            "zh": "书面确认关于102号界碑附近人员的热线电话内容。",
        },
    }


HOTLINE_EXAMPLES: dict[str, Callable[[datetime], Report]] = {
    "LogCall": log_call,
    "SendLetter": send_letter,
    "ReceiveLetter": receive_letter,
    "AcknowledgeMessage": acknowledge_message,
    "ConfirmInWriting": confirm_in_writing,
}

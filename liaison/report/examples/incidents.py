"""Sample reports of the incidents service, drawn from the seeds: Lao Cai–Hekou, Bat Xat–Pa Sa, Hong Ha, Mong Tu.

The four reports that open a case (RaiseIncident, ProposeHandover, SchedulePatrol, RecordMeeting)
are valid as they are on an empty store; their times are computed from ``now`` (a joint patrol
falls in the next 15th-25th window, hosted by the side whose turn it is). The others name a case
(``IN-``/``HO-``/``PT-``/``MT-REPLACEME``) and, for handovers, a subject (``SUBJ-REPLACEMEXXX``):
replace them with the ids ``send`` returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.units import get
from shared.vault.store import new_subject_id

Report = dict[str, Any]

VN_STATION, CN_STATION = "VN-LC-IBGS", "CN-HK-IBCS"
"""Lao Cai International Border Gate station and Hekou port station: the busiest pair."""
BAT_XAT, PA_SA = "VN-LC-BXBGS", "CN-PS-BP"
"""Bat Xat station (markers 97-99 on the Red River) and Pa Sa border post, twinned."""
LAO_CAI, HONG_HA = "VN-LC-BGC", "CN-HH-BMT"
JOINT_AGREEMENT = "LC-HH-HK-JOINT"
JOINT_FIRST_HOST_MONTH = (2026, 1)
"""Vietnam hosts the joint patrol of 2026-01 and every second month from there (policy.json)."""
SUBJECT_PLACEHOLDER = "SUBJ-REPLACEMEXXX"
GATE = "Lao Cai–Hekou"


def _tz(unit_code: str) -> timezone:
    unit = get(unit_code)
    offset = unit.utc_offset if unit else "+00:00"
    sign = 1 if offset[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def _local(unit_code: str, moment: datetime) -> str:
    return moment.astimezone(_tz(unit_code)).replace(microsecond=0).isoformat()


def _text(vi: str, zh: str, original: str = "vi") -> dict[str, str]:
    return {"original": original, "vi": vi, "zh": zh}


def _base(kind: str, unit: str, officer: str, now: datetime, case_id: str | None = None) -> Report:
    report: Report = {"type": kind, "command_id": str(uuid.uuid4()), "unit": unit, "officer": officer,
                      "at": _local(unit, now)}
    if case_id is not None:
        report["case_id"] = case_id
    return report


# --- incidents ---------------------------------------------------------------------------------


def raise_incident(now: datetime) -> Report:
    """Bat Xat station reports three people crossing the Red River near marker 98 to Pa Sa border post."""
    return _base("RaiseIncident", BAT_XAT, "Lt. Col. Dinh Quang Chinh", now) | {
        "category": "person_crossing",
        "location": {"marker": "98", "patrol_section": "LC-MT-02",
                     "description": _text("Bờ sông Hồng, gần bến Bản Vược", "红河岸边，坝洒渡口附近")},
        "happened_at": _local(BAT_XAT, now - timedelta(minutes=50)),
        "impact": "medium",
        "reliability": "B",
        "accuracy": 2,
        "summary": _text("Ba người vượt sông Hồng trái phép gần mốc 98, hướng sang Pa Sa.",
                         "三人在98号界碑附近非法横渡红河，往坝洒方向。"),
        "parties": [PA_SA],
    }


def acknowledge_incident(now: datetime) -> Report:
    """Pa Sa border post acknowledges the incident; replace case_id."""
    return _base("AcknowledgeIncident", PA_SA, "Yang Hua", now, "IN-REPLACEME") | {
        "note": _text("Đã nhận, đang xác minh.", "已收到，正在核实。", "zh"),
    }


def update_incident(now: datetime) -> Report:
    """Bat Xat station raises the impact: two more people were seen; replace case_id."""
    return _base("UpdateIncident", BAT_XAT, "Lt. Col. Dinh Quang Chinh", now, "IN-REPLACEME") | {
        "note": _text("Phát hiện thêm hai người ở bờ bên kia.", "对岸又发现两人。"),
        "impact": "high",
    }


def record_response(now: datetime) -> Report:
    """Pa Sa border post dispatched a patrol along the river bank; replace case_id."""
    return _base("RecordResponse", PA_SA, "Yang Hua", now, "IN-REPLACEME") | {
        "action": "patrol_dispatched",
        "description": _text("Đã cử tổ tuần tra dọc bờ sông.", "已派巡逻队沿河岸巡查。", "zh"),
    }


def link_cases(now: datetime) -> Report:
    """Bat Xat station links the hotline call that first reported it; replace both case ids."""
    return _base("LinkCases", BAT_XAT, "Lt. Col. Dinh Quang Chinh", now, "IN-REPLACEME") | {
        "cases": ["HL-REPLACEME"],
        "relation": "hotline",
    }


def close_incident(now: datetime) -> Report:
    """Bat Xat station closes the incident as resolved; replace case_id."""
    return _base("CloseIncident", BAT_XAT, "Lt. Col. Dinh Quang Chinh", now, "IN-REPLACEME") | {
        "reason": "resolved",
        "note": _text("Năm người đã được bên Pa Sa tiếp nhận và xử lý.", "五人已由坝洒方面接收处理。"),
    }


# --- handovers ---------------------------------------------------------------------------------


def propose_handover(now: datetime) -> Report:
    """Lao Cai station proposes to hand a rescued trafficking victim (a pseudonymous subject) to Hekou."""
    return _base("ProposeHandover", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now) | {
        "subject_kind": "victim",
        "to_unit": CN_STATION,
        "persons": [{"subject_id": new_subject_id(), "sex": "female", "age_band": "18-29", "is_minor": False}],
        "circumstances": _text(
            "Nạn nhân mua bán người được giải cứu tại cửa khẩu Lào Cai, khai là công dân Trung Quốc.",
            "在老街口岸获救的拐卖受害人，自述为中国公民。",
        ),
    }


def _handover(kind: str, unit: str, officer: str, now: datetime, fields: Report) -> Report:
    return _base(kind, unit, officer, now, "HO-REPLACEME") | fields


def verify_nationality(now: datetime) -> Report:
    """Hekou verified the person's nationality in its database; replace case_id and subject_id."""
    fields = {"subject_id": SUBJECT_PLACEHOLDER, "nationality": "CN", "method": "database_check"}
    return _handover("RecordNationalityVerification", CN_STATION, "Li Wei", now, fields)


def assess_risk(now: datetime) -> Report:
    """Lao Cai station finds the return safe: family located, no threat; replace case_id."""
    return _handover("RecordRiskAssessment", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, {
        "level": "low", "safe_to_return": True,
        "summary": _text("Đã liên hệ được gia đình, không có nguy cơ bị mua bán lại.", "已联系到家属，无再次被拐风险"),
    })


def record_consent(now: datetime) -> Report:
    """The victim agrees to the return; replace case_id and subject_id."""
    fields = {"subject_id": SUBJECT_PLACEHOLDER, "decision": "given", "given_by": "subject"}
    return _handover("RecordConsent", VN_STATION, "Capt. Nong Thi Lan", now, fields)


def accept_handover(now: datetime) -> Report:
    """Hekou accepts the handover; replace case_id."""
    note = _text("Đồng ý tiếp nhận.", "同意接收。", "zh")
    return _handover("AcceptHandover", CN_STATION, "Li Wei", now, {"note": note})


def reject_handover(now: datetime) -> Report:
    """Hekou rejects: nationality not confirmed; replace case_id."""
    return _handover("RejectHandover", CN_STATION, "Li Wei", now, {"cause": "nationality_not_confirmed"})


def schedule_handover(now: datetime) -> Report:
    """The handover at the Lao Cai–Hekou gate tomorrow at 09:00 Vietnam time; replace case_id."""
    tomorrow = (now.astimezone(_tz(VN_STATION)) + timedelta(days=1)).replace(hour=9, minute=0, second=0)
    fields = {"border_gate": GATE, "scheduled_for": _local(VN_STATION, tomorrow)}
    return _handover("ScheduleHandover", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, fields)


def execute_handover(now: datetime) -> Report:
    """The receipt both sides signed at the gate; replace case_id and subject_id."""
    return _handover("ExecuteHandover", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, {
        "persons": [SUBJECT_PLACEHOLDER],
        "belongings": [{"description": _text("Ba lô cá nhân", "个人背包"), "quantity": 1}],
        "documents": [{"kind": "travel_document", "reference": "DOC-REF-1"}],
        "handing_officers": [{"unit": VN_STATION, "officer": "Lt. Col. Vu Tran Minh Dat", "title": "Head of station"}],
        "receiving_officers": [{"unit": CN_STATION, "officer": "Li Wei"}],
    })


def complete_handover(now: datetime) -> Report:
    """Close the executed handover; replace case_id."""
    return _handover("CompleteHandover", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, {})


def abort_handover(now: datetime) -> Report:
    """Call the handover off: the person was taken to hospital; replace case_id."""
    fields = {"reason": _text("Nạn nhân phải nhập viện điều trị.", "受害人需住院治疗。")}
    return _handover("AbortHandover", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, fields)


# --- patrols and meetings ----------------------------------------------------------------------


def next_joint_window(now: datetime) -> tuple[datetime, str]:
    """The 16th of the next 15th-25th window (Vietnam clock, 07:00) and the unit hosting it by rotation."""
    local = now.astimezone(_tz(LAO_CAI))
    # This month's window if it has not begun yet, else next month's.
    index = local.year * 12 + local.month - 1 + (0 if local.day < 15 else 1)
    year, month = index // 12, index % 12 + 1
    start = local.replace(year=year, month=month, day=16, hour=7, minute=0, second=0, microsecond=0)
    months = (year - JOINT_FIRST_HOST_MONTH[0]) * 12 + month - JOINT_FIRST_HOST_MONTH[1]
    return start, LAO_CAI if months % 2 == 0 else HONG_HA


def schedule_patrol(now: datetime) -> Report:
    """Lao Cai command schedules the next monthly joint patrol with Hong Ha and Hekou (16th-17th)."""
    start, host = next_joint_window(now)
    return _base("SchedulePatrol", LAO_CAI, "Col. Tran Quang Tung", now) | {
        "agreement": JOINT_AGREEMENT,
        "kind": "joint_monthly",
        "host_unit": host,
        "starts_at": _local(LAO_CAI, start),
        "ends_at": _local(LAO_CAI, start + timedelta(days=1, hours=10)),
        "plan": _text("Tuần tra chung đoạn mốc 85 đến mốc 172, kiểm tra mốc và đường mòn.",
                      "联合巡逻85号至172号界碑段，检查界碑和小路。"),
    }


def record_patrol(now: datetime) -> Report:
    """What the joint patrol did: markers checked, a leaning marker found; replace case_id."""
    return _base("RecordPatrol", LAO_CAI, "Col. Tran Quang Tung", now, "PT-REPLACEME") | {
        "markers": ["92", "97", "98", "99", "104(2)"],
        "officers": [{"unit": LAO_CAI, "officer": "Maj. Hoang Van Tuan"}, {"unit": HONG_HA, "officer": "Chen Ming"}],
        "findings": [{
            "description": _text("Mốc 104(2) bị nghiêng do sạt lở.", "104(2)号界碑因塌方倾斜。"),
            "marker": "104(2)", "category": "border_marker_damage", "impact": "low", "raise_incident": True,
        }],
        "started_at": _local(LAO_CAI, now - timedelta(hours=10)),
        "ended_at": _local(LAO_CAI, now - timedelta(hours=1)),
        "summary": _text("Tuần tra an toàn, bàn giao thông tin mốc cho hai bên.", "巡逻安全，双方交换界碑信息。"),
    }


def record_meeting(now: datetime) -> Report:
    """Lao Cai station and Hekou held their quarterly talks at the border gate this morning."""
    return _base("RecordMeeting", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now) | {
        "kind": "talks",
        "participants": [CN_STATION],
        "held_at": _local(VN_STATION, now - timedelta(hours=2)),
        "delegation_heads": [{"unit": VN_STATION, "officer": "Lt. Col. Vu Tran Minh Dat"},
                             {"unit": CN_STATION, "officer": "Zhang Benyu"}],
        "border_gate": GATE,
        "summary": _text(
            "Hội đàm quý: trao đổi thông tin, phối hợp chống vượt biên trái phép, bình chọn Đại sứ hữu nghị.",
            "季度会谈：交换信息，协同打击非法越境，评选友好使者。",
        ),
    }


def sign_minutes(now: datetime) -> Report:
    """Both sides sign the minutes in Vietnamese and Chinese; replace case_id."""
    return _base("SignMinutes", VN_STATION, "Lt. Col. Vu Tran Minh Dat", now, "MT-REPLACEME") | {
        "minutes": _text("Biên bản hội đàm quý giữa Đồn Biên phòng CKQT Lào Cai và Trạm Kiểm soát Hà Khẩu.",
                         "老街国际口岸边防站与河口出入境边防检查站季度会谈纪要。"),
        "signatories": [{"unit": VN_STATION, "officer": "Lt. Col. Vu Tran Minh Dat"},
                        {"unit": CN_STATION, "officer": "Zhang Benyu"}],
    }


INCIDENT_EXAMPLES: dict[str, Callable[[datetime], Report]] = {
    "RaiseIncident": raise_incident,
    "AcknowledgeIncident": acknowledge_incident,
    "UpdateIncident": update_incident,
    "RecordResponse": record_response,
    "LinkCases": link_cases,
    "CloseIncident": close_incident,
    "ProposeHandover": propose_handover,
    "RecordNationalityVerification": verify_nationality,
    "RecordRiskAssessment": assess_risk,
    "RecordConsent": record_consent,
    "AcceptHandover": accept_handover,
    "RejectHandover": reject_handover,
    "ScheduleHandover": schedule_handover,
    "ExecuteHandover": execute_handover,
    "CompleteHandover": complete_handover,
    "AbortHandover": abort_handover,
    "SchedulePatrol": schedule_patrol,
    "RecordPatrol": record_patrol,
    "RecordMeeting": record_meeting,
    "SignMinutes": sign_minutes,
}

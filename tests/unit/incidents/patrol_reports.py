"""Valid patrol and meeting reports by default, under the shipped policy's agreements."""

from __future__ import annotations

from typing import Any

from tests.unit.incidents.reports import CN, CN_MZ, CN_OTHER, VN, VN_OTHER, report, text


def joint(**overrides: Any) -> dict[str, Any]:
    """A monthly joint patrol of Lao Cai command, Hong Ha and Hekou, 16-17 November 2026, hosted by Vietnam."""
    fields: dict[str, Any] = {
        "agreement": "LC-HH-HK-JOINT",
        "kind": "joint_monthly",
        "host_unit": VN_OTHER,
        "starts_at": "2026-11-16T07:00:00+07:00",
        "ends_at": "2026-11-17T17:00:00+07:00",
    }
    return report("SchedulePatrol", VN_OTHER, fields, overrides)


def bilateral(**overrides: Any) -> dict[str, Any]:
    """A quarterly bilateral patrol of Lao Cai command and Mong Tu over sections 3-4, presided by China in 2026-Q4."""
    fields: dict[str, Any] = {
        "agreement": "LC-MT-BILATERAL",
        "kind": "bilateral_quarterly",
        "host_unit": CN_MZ,
        "starts_at": "2026-11-10T07:00:00+07:00",
        "ends_at": "2026-11-10T17:00:00+07:00",
        "sections": ["LC-MT-03", "LC-MT-04"],
    }
    return report("SchedulePatrol", VN_OTHER, fields, overrides)


def finding(**overrides: Any) -> dict[str, Any]:
    """A damaged marker, raising an incident."""
    fields = {"description": text("Mốc 103 bị nghiêng", "103号界碑倾斜"), "marker": "103"}
    return fields | {"category": "border_marker_damage", "impact": "low", "raise_incident": True} | overrides


def record_patrol(**overrides: Any) -> dict[str, Any]:
    """What the bilateral patrol did (markers 101-116 are sections 3-4)."""
    fields: dict[str, Any] = {
        "sections": ["LC-MT-03"],
        "markers": ["101", "103", "104(2)"],
        "officers": [{"unit": VN_OTHER, "officer": "Maj Tran"}, {"unit": CN_MZ, "officer": "Maj Wang"}],
        "findings": [finding()],
        "started_at": "2026-11-10T07:00:00+07:00",
        "ended_at": "2026-11-10T16:30:00+07:00",
    }
    return report("RecordPatrol", VN_OTHER, fields, overrides)


def meeting(**overrides: Any) -> dict[str, Any]:
    """Talks between Lao Cai station and Hekou (with Hong Ha)."""
    fields: dict[str, Any] = {
        "kind": "talks",
        "participants": [CN, CN_OTHER],
        "held_at": "2026-11-20T09:00:00+07:00",
        "delegation_heads": [{"unit": VN, "officer": "Lt Col Vu"}, {"unit": CN, "officer": "Col Zhang"}],
        "summary": text("Hội đàm quý IV", "第四季度会谈"),
    }
    return report("RecordMeeting", VN, fields, overrides)


def sign(**overrides: Any) -> dict[str, Any]:
    """Minutes in both languages, signed by both sides."""
    fields: dict[str, Any] = {
        "minutes": {"original": "vi", "vi": "Biên bản hội đàm", "zh": "会谈纪要"},
        "signatories": [{"unit": VN, "officer": "Lt Col Vu"}, {"unit": CN, "officer": "Col Zhang"}],
    }
    return report("SignMinutes", VN, fields, overrides)

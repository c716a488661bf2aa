"""Valid incident reports by default: the Vietnamese station raises, Hekou acknowledges."""

from __future__ import annotations

from typing import Any

from tests.unit.incidents.reports import CN, VN, VN_OTHER, report, text


def raise_incident(**overrides: Any) -> dict[str, Any]:
    """Lao Cai station reports five persons crossing near marker 104(2) to Hekou (and its own command)."""
    fields: dict[str, Any] = {
        "category": "person_crossing",
        "location": {"marker": "104(2)", "border_gate": "Lao Cai–Hekou"},
        "happened_at": "2026-11-23T08:40:00+07:00",
        "impact": "medium",
        "reliability": "B",
        "accuracy": 2,
        "summary": text("Năm người vượt biên gần mốc 104(2)", "104(2)号界碑附近五人越境"),
        "parties": [CN, VN_OTHER],
    }
    return report("RaiseIncident", VN, fields, overrides)


def acknowledge(**overrides: Any) -> dict[str, Any]:
    """Hekou acknowledges."""
    return report("AcknowledgeIncident", CN, {"note": {"original": "zh", "zh": "已收到"}}, overrides)


def update(**overrides: Any) -> dict[str, Any]:
    """The raising station raises the impact."""
    return report("UpdateIncident", VN, {"note": text("Thêm hai người"), "impact": "high"}, overrides)


def respond(**overrides: Any) -> dict[str, Any]:
    """Hekou dispatched a patrol."""
    fields = {"action": "patrol_dispatched", "description": {"original": "zh", "zh": "已派巡逻队"}}
    return report("RecordResponse", CN, fields, overrides)


def link(**overrides: Any) -> dict[str, Any]:
    """Link a hotline case to the incident."""
    return report("LinkCases", VN, {"cases": ["HL-ABCDEFGHIJKL"], "relation": "hotline"}, overrides)


def close(**overrides: Any) -> dict[str, Any]:
    """Close as resolved."""
    return report("CloseIncident", VN, {"reason": "resolved", "note": text("Đã xử lý")}, overrides)

"""Valid handover reports by default: the Vietnamese station hands two victims (one a minor) to Hekou."""

from __future__ import annotations

from typing import Any

from tests.unit.incidents.reports import CN, GUARDIAN, MINOR, VICTIM, VN, report, text


def person(subject_id: str = VICTIM, **overrides: Any) -> dict[str, Any]:
    """An adult woman: the minimum handover data set."""
    return {"subject_id": subject_id, "sex": "female", "age_band": "18-29", "is_minor": False} | overrides


def minor(subject_id: str = MINOR, **overrides: Any) -> dict[str, Any]:
    """A 14-15 year old with a guardian on record."""
    fields = {"age_band": "14-15", "is_minor": True, "representative": {"kind": "guardian", "subject_id": GUARDIAN}}
    return person(subject_id, **fields) | overrides


def propose(**overrides: Any) -> dict[str, Any]:
    """Lao Cai station proposes to hand two trafficking victims to Hekou."""
    fields: dict[str, Any] = {
        "subject_kind": "victim",
        "to_unit": CN,
        "persons": [person(), minor()],
        "circumstances": text("Nạn nhân mua bán người được giải cứu", "获救的拐卖受害人"),
    }
    return report("ProposeHandover", VN, fields, overrides)


def propose_property(**overrides: Any) -> dict[str, Any]:
    """Lao Cai station proposes to return three buffaloes that strayed across."""
    items = [{"description": text("Trâu", "水牛"), "quantity": 3}]
    fields = {"subject_kind": "livestock", "to_unit": CN, "items": items, "circumstances": text("Trâu lạc")}
    return report("ProposeHandover", VN, fields, overrides)


def verify(subject_id: str = VICTIM, **overrides: Any) -> dict[str, Any]:
    """Hekou verified the person is Chinese."""
    fields = {"subject_id": subject_id, "nationality": "CN", "method": "database_check"}
    return report("RecordNationalityVerification", CN, fields, overrides)


def assess(**overrides: Any) -> dict[str, Any]:
    """The holding station finds the return safe."""
    fields = {"level": "low", "safe_to_return": True, "summary": text("Gia đình đang chờ")}
    return report("RecordRiskAssessment", VN, fields, overrides)


def consent(subject_id: str = VICTIM, **overrides: Any) -> dict[str, Any]:
    """The victim consents (a minor's guardian, when ``subject_id`` is the minor's and given_by is overridden)."""
    fields = {"subject_id": subject_id, "decision": "given", "given_by": "subject"}
    return report("RecordConsent", VN, fields, overrides)


def override(**overrides: Any) -> dict[str, Any]:
    """A complete, authorised override."""
    fields = {"reason": text("Nguy cơ cho nạn nhân nếu ở lại"), "authorised_role": "station_commander"}
    return fields | {"authorised_by": "Lt Col Vu"} | overrides


def accept(**overrides: Any) -> dict[str, Any]:
    """Hekou accepts."""
    return report("AcceptHandover", CN, {}, overrides)


def reject(**overrides: Any) -> dict[str, Any]:
    """Hekou rejects."""
    return report("RejectHandover", CN, {"cause": "insufficient_information"}, overrides)


def schedule(**overrides: Any) -> dict[str, Any]:
    """At the Lao Cai–Hekou gate the next morning."""
    fields = {"border_gate": "Lao Cai–Hekou", "scheduled_for": "2026-11-24T09:00:00+07:00"}
    return report("ScheduleHandover", VN, fields, overrides)


def execute(**overrides: Any) -> dict[str, Any]:
    """The receipt: both persons, a bag, a document, officers of both sides."""
    fields: dict[str, Any] = {
        "persons": [VICTIM, MINOR],
        "belongings": [{"description": text("Túi xách"), "quantity": 1}],
        "documents": [{"kind": "travel_document", "reference": "DOC-1"}],
        "handing_officers": [{"unit": VN, "officer": "Capt Dinh"}],
        "receiving_officers": [{"unit": CN, "officer": "Capt Li"}],
    }
    return report("ExecuteHandover", VN, fields, overrides)


def complete(**overrides: Any) -> dict[str, Any]:
    """Close the executed handover."""
    return report("CompleteHandover", VN, {}, overrides)


def abort(**overrides: Any) -> dict[str, Any]:
    """Call it off."""
    return report("AbortHandover", VN, {"reason": text("Nạn nhân nhập viện")}, overrides)

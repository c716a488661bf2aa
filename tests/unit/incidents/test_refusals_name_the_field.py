"""Every refusal of an incident or handover report starts with the field at fault, so the sender knows what to fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from services.incidents.domain import default_policy, reasons
from shared.events.ids import case_id_for
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents import incident_reports as incident
from tests.unit.incidents.reports import CN, MINOR, VICTIM, VN, VN_OTHER, Case, subject

BAD = {"original": "vi", "zh": "chỉ có bản dịch"}
"""Free text whose original language (Vietnamese) is missing."""


def _new() -> Case:
    return Case()


def _raised() -> Case:
    case = Case()
    case.do(incident.raise_incident())
    return case


def _acknowledged() -> Case:
    case = _raised()
    case.do(incident.acknowledge())
    return case


def _proposed() -> Case:
    case = Case()
    case.do(handover.propose())
    return case


def _property() -> Case:
    case = Case()
    case.do(handover.propose_property())
    return case


def _ready() -> Case:
    case = _proposed()
    for report in (handover.verify(VICTIM), handover.verify(MINOR), handover.assess(), handover.consent(VICTIM)):
        case.do(report)
    case.do(handover.consent(MINOR, given_by="guardian"))
    return case


def _accepted() -> Case:
    case = _ready()
    case.do(handover.accept())
    return case


def _scheduled() -> Case:
    case = _accepted()
    case.do(handover.schedule())
    return case


def _executed() -> Case:
    case = _scheduled()
    case.do(handover.execute())
    return case


def _unsafe() -> Case:
    case = _ready()
    case.do(handover.assess(level="high", safe_to_return=False))
    return case


def _unlocated() -> dict[str, Any]:
    """A location with a description but no marker, section, gate or coordinates."""
    return {"description": {"original": "vi", "vi": "Đâu đó"}}


SELF_RAISED = case_id_for("cmd-self", prefix="IN")

REFUSALS: list[tuple[str, Callable[[], Case], Callable[[], dict[str, Any]], str, str]] = [
    # incidents
    ("raised-before-it-happened", _new, lambda: incident.raise_incident(happened_at="2026-11-23T09:25:00+07:00"),
     reasons.INVALID_TIME, "at: 2026-11-23T09:20:00+07:00 is before happened_at"),
    ("raise-linked-to-itself", _new,
     lambda: incident.raise_incident(command_id="cmd-self", linked_cases=[SELF_RAISED]),
     reasons.INVALID_LINK, f"linked_cases: case {SELF_RAISED} cannot be linked to itself"),
    ("location-description", _new,
     lambda: incident.raise_incident(location={"marker": "104", "description": BAD}),
     reasons.INVALID_TEXT, "location.description: "),
    ("acknowledged-by-same-side", _raised, lambda: incident.acknowledge(unit=VN_OTHER, at="2026-11-23T09:20:00+07:00"),
     reasons.SAME_SIDE, f"unit: {VN_OTHER} is in VN"),
    ("acknowledged-twice", _acknowledged, incident.acknowledge, reasons.ALREADY_ACKNOWLEDGED, "case_id: incident "),
    ("acknowledgement-note", _raised, lambda: incident.acknowledge(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("update-note", _raised, lambda: incident.update(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("update-location", _raised, lambda: incident.update(location=_unlocated()),
     reasons.LOCATION_MISSING, "location: "),
    ("response-description", _raised, lambda: incident.respond(description=BAD), reasons.INVALID_TEXT, "description: "),
    ("link-to-itself", _raised, lambda: incident.link(cases=["__SELF__"]), reasons.INVALID_LINK, "cases: case "),
    ("link-note", _raised, lambda: incident.link(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("duplicate-of-itself", _raised, lambda: incident.close(reason="duplicate", duplicate_of="__SELF__"),
     reasons.INVALID_LINK, "duplicate_of: case "),
    ("close-note", _raised, lambda: incident.close(note=BAD), reasons.INVALID_TEXT, "note: "),
    # handovers
    ("proposed-to-unknown-unit", _new, lambda: handover.propose(to_unit="CN-XX-NONE"), reasons.UNKNOWN_UNIT,
     "to_unit: "),
    ("proposed-within-one-country", _new, lambda: handover.propose(to_unit=VN_OTHER), reasons.INVALID_PARTY,
     f"to_unit: {VN_OTHER} is in VN, like {VN}"),
    ("circumstances", _new, lambda: handover.propose(circumstances=BAD), reasons.INVALID_TEXT, "circumstances: "),
    ("verify-stranger", _proposed, lambda: handover.verify(subject("stranger")), reasons.UNKNOWN_SUBJECT,
     "subject_id: "),
    ("assess-property", _property, handover.assess, reasons.NOT_VICTIM_HANDOVER,
     "case_id: a risk assessment is for victim handovers"),
    ("assess-by-receiver", _proposed, lambda: handover.assess(unit=CN), reasons.NOT_HOLDING_SIDE,
     f"unit: only {VN}, which holds the subjects, assesses the risk of return"),
    ("assessment-summary", _proposed, lambda: handover.assess(summary=BAD), reasons.INVALID_TEXT, "summary: "),
    ("consent-property", _property, handover.consent, reasons.NOT_VICTIM_HANDOVER, "case_id: consent is for victim"),
    ("consent-by-receiver", _proposed, lambda: handover.consent(unit=CN), reasons.NOT_HOLDING_SIDE,
     f"unit: only {VN}, which holds the subjects, records the victim's consent"),
    ("consent-of-stranger", _proposed, lambda: handover.consent(subject("stranger")), reasons.UNKNOWN_SUBJECT,
     "subject_id: "),
    ("minor-consents-alone", _proposed, lambda: handover.consent(MINOR), reasons.GUARDIAN_REQUIRED,
     f"given_by: {MINOR} is a minor"),
    ("accepted-by-holder", _ready, lambda: handover.accept(unit=VN), reasons.NOT_RECEIVING_SIDE,
     f"unit: only the receiving unit {CN}"),
    ("accepted-twice", _accepted, handover.accept, reasons.ALREADY_DECIDED,
     "case_id: the handover was accepted already"),
    ("acceptance-note", _ready, lambda: handover.accept(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("rejection-note", _ready, lambda: handover.reject(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("scheduled-after-execution", _executed, handover.schedule, reasons.ALREADY_EXECUTED, "case_id: handover "),
    ("scheduled-in-wrong-offset", _accepted, lambda: handover.schedule(scheduled_for="2026-11-24T09:00:00+08:00"),
     reasons.WRONG_OFFSET, "scheduled_for: "),
    ("scheduled-in-the-past", _accepted, lambda: handover.schedule(scheduled_for="2026-11-22T09:00:00+07:00"),
     reasons.INVALID_TIME, "scheduled_for: 2026-11-22T09:00:00+07:00 is before the report's time at "),
    ("no-risk-assessment", _proposed, handover.schedule, reasons.RISK_ASSESSMENT_REQUIRED, "case_id: record a risk"),
    ("unsafe-return", _unsafe, handover.schedule, reasons.UNSAFE_RETURN, "case_id: the latest risk assessment (high)"),
    ("executed-unaccepted", _ready, handover.execute, reasons.NOT_ACCEPTED, f"case_id: the receiving side ({CN})"),
    ("executed-unscheduled", _accepted, handover.execute, reasons.NOT_SCHEDULED, "case_id: schedule the gate"),
    ("receipt-stranger", _scheduled, lambda: handover.execute(persons=[VICTIM, subject("stranger")]),
     reasons.UNKNOWN_SUBJECT, "persons[1]: "),
    ("receipt-belongings", _scheduled, lambda: handover.execute(belongings=[{"description": BAD, "quantity": 1}]),
     reasons.INVALID_TEXT, "belongings[0].description: "),
    ("receipt-unknown-officer-unit", _scheduled,
     lambda: handover.execute(handing_officers=[{"unit": "VN-XX-NONE", "officer": "Dinh"}]),
     reasons.UNKNOWN_UNIT, "handing_officers[0].unit: unknown unit 'VN-XX-NONE'"),
    ("receipt-handing-side", _scheduled, lambda: handover.execute(handing_officers=[{"unit": CN, "officer": "Li"}]),
     reasons.RECEIPT_INCOMPLETE, f"handing_officers[0].unit: {CN} is not of the handing side (VN)"),
    ("receipt-receiving-side", _scheduled,
     lambda: handover.execute(receiving_officers=[{"unit": VN, "officer": "Dinh"}]),
     reasons.RECEIPT_INCOMPLETE, f"receiving_officers[0].unit: {VN} is not of the receiving side (CN)"),
    ("completed-unexecuted", _scheduled, handover.complete, reasons.NOT_EXECUTED, "case_id: a handover is completed"),
    ("completion-note", _executed, lambda: handover.complete(note=BAD), reasons.INVALID_TEXT, "note: "),
    ("abort-reason", _proposed, lambda: handover.abort(reason=BAD), reasons.INVALID_TEXT, "reason: "),
    ("override-reason", _proposed,
     lambda: handover.consent(VICTIM, decision="refused", override=handover.override(reason=BAD)),
     reasons.INVALID_TEXT, "override.reason: "),
    ("override-role", _proposed,
     lambda: handover.consent(VICTIM, decision="refused", override=handover.override(authorised_role="duty_officer")),
     reasons.OVERRIDE_NOT_AUTHORISED, "override.authorised_role: 'duty_officer' may not override"),
]


@pytest.mark.parametrize(
    ("case", "report", "code", "start"), [row[1:] for row in REFUSALS], ids=[row[0] for row in REFUSALS]
)
def test_a_refusal_starts_with_the_field_at_fault(
    case: Callable[[], Case], report: Callable[[], dict[str, Any]], code: str, start: str
) -> None:
    """The report is refused with its code, and the message starts with the field (and the problem) named."""
    on = case()
    body = report()
    for name, value in body.items():
        if value == "__SELF__" or value == ["__SELF__"]:
            body[name] = on.case_id if value == "__SELF__" else [on.case_id]
    no = on.reject(body)
    assert no.code == code
    assert no.message.startswith(start), no.message


def test_an_override_refused_under_a_policy_with_no_override_role_says_so() -> None:
    """With no role authorised by policy, the refusal says ``authorised: no role``."""
    case = Case(msgspec.structs.replace(default_policy(), override_roles=()))
    case.do(handover.propose())
    no = case.reject(handover.consent(VICTIM, decision="refused", override=handover.override()))
    assert no.code == reasons.OVERRIDE_NOT_AUTHORISED
    assert no.message.endswith("(authorised: no role)")

"""Each incident and handover event records what its report said: no optional field is dropped or replaced."""

from __future__ import annotations

from typing import Any

import msgspec

from services.incidents.domain import reasons
from shared.events import (
    AnyEvent,
    CasesLinked,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverRejected,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentUpdated,
)
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents import incident_reports as incident
from tests.unit.incidents.reports import MINOR, VICTIM, Case, text

NOTE = text("Ghi chú kèm theo", "附注")


def _carried(event: AnyEvent, report: dict[str, Any], *names: str) -> None:
    """Each named field of the event is the report's value for it."""
    recorded = msgspec.json.decode(msgspec.json.encode(event))
    for name in names:
        assert recorded[name] == report[name], name


def _incident() -> Case:
    case = Case()
    case.do(incident.raise_incident())
    return case


def test_an_update_records_every_field_it_changes() -> None:
    """IncidentUpdated keeps the note and the new category, location, impact, reliability and accuracy."""
    report = incident.update(
        category="smuggling",
        location={"marker": "105", "description": text("Gần suối")},
        impact="very_high",
        reliability="A",
        accuracy=1,
    )
    [event] = _incident().do(report)
    assert isinstance(event, IncidentUpdated)
    _carried(event, report, "note", "category", "location", "impact", "reliability", "accuracy")


def test_an_update_leaves_out_what_it_does_not_change() -> None:
    """An update giving only a note records no category, location, impact, reliability or accuracy."""
    [event] = _incident().do(incident.update(impact=None))
    assert isinstance(event, IncidentUpdated)
    assert (event.category, event.location, event.impact, event.reliability, event.accuracy) == (None,) * 5


def test_an_acknowledgement_records_its_note_and_time() -> None:
    """IncidentAcknowledged keeps the acknowledging side's note and its own clock's time."""
    report = incident.acknowledge()
    [event] = _incident().do(report)
    assert isinstance(event, IncidentAcknowledged)
    _carried(event, report, "note")
    assert event.acknowledged_at.text == report["at"]


def test_a_link_records_its_note() -> None:
    """CasesLinked keeps the cases, the relation and the note."""
    report = incident.link(note=NOTE)
    [event] = _incident().do(report)
    assert isinstance(event, CasesLinked)
    _carried(event, report, "cases", "relation", "note")


def test_a_transfer_records_to_whom_and_the_note() -> None:
    """IncidentClosed as transferred keeps the note and transferred_to."""
    report = incident.close(reason="transferred", transferred_to="CN-HK-PSB")
    [event] = _incident().do(report)
    assert isinstance(event, IncidentClosed)
    _carried(event, report, "reason", "note", "transferred_to")


def test_a_property_proposal_records_its_items_and_linked_cases() -> None:
    """HandoverProposed keeps the items handed back and the cases it is linked to."""
    report = handover.propose_property(linked_cases=["IN-ABCDEFGHIJKL"])
    [event] = Case().do(report)
    assert isinstance(event, HandoverProposed)
    _carried(event, report, "items", "linked_cases")


def _ready() -> Case:
    case = Case()
    case.do(handover.propose())
    for report in (handover.verify(VICTIM), handover.verify(MINOR), handover.assess(), handover.consent(VICTIM)):
        case.do(report)
    case.do(handover.consent(MINOR, given_by="guardian"))
    return case


def test_the_answers_and_the_completion_record_their_notes() -> None:
    """HandoverAccepted, HandoverRejected and HandoverCompleted keep the note given with them."""
    accepting, rejecting = _ready(), _ready()
    [rejected] = rejecting.do(handover.reject(note=NOTE))
    assert isinstance(rejected, HandoverRejected)
    _carried(rejected, handover.reject(note=NOTE), "note", "cause")
    [accepted] = accepting.do(handover.accept(note=NOTE))
    assert isinstance(accepted, HandoverAccepted)
    _carried(accepted, handover.accept(note=NOTE), "note")
    accepting.do(handover.schedule())
    accepting.do(handover.execute())
    [completed] = accepting.do(handover.complete(note=NOTE))
    assert isinstance(completed, HandoverCompleted)
    _carried(completed, handover.complete(note=NOTE), "note")


def test_the_receipt_records_persons_belongings_and_documents() -> None:
    """HandoverExecuted keeps the persons, the belongings and the documents of the receipt."""
    case = _ready()
    case.do(handover.accept())
    case.do(handover.schedule())
    report = handover.execute()
    [event] = case.do(report)
    assert isinstance(event, HandoverExecuted)
    _carried(event, report, "persons", "belongings", "documents", "handing_officers", "receiving_officers")


def test_a_victim_receipt_needs_persons_not_belongings() -> None:
    """For persons the receipt lists the persons: with persons and no belongings it is recorded."""
    case = _ready()
    case.do(handover.accept())
    case.do(handover.schedule())
    [event] = case.do(handover.execute(belongings=[]))
    assert isinstance(event, HandoverExecuted)
    assert event.belongings == ()


def test_a_property_receipt_without_belongings_names_the_belongings() -> None:
    """For property the receipt lists the belongings: none listed is receipt_incomplete on ``belongings``."""
    case = Case()
    case.do(handover.propose_property())
    case.do(handover.accept())
    case.do(handover.schedule())
    no = case.reject(handover.execute(persons=[], belongings=[]))
    assert (no.code, no.message.split(":")[0]) == (reasons.RECEIPT_INCOMPLETE, "belongings")

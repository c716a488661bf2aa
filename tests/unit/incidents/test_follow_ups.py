"""A patrol finding raises an incident: the follow-up report derived from the recorded PatrolRecorded event."""

from __future__ import annotations

import msgspec

from services.incidents.domain import case_id_of, follow_ups
from services.incidents.domain.follow_ups import finding_command_id
from shared.events import IncidentRaised, PatrolRecorded
from tests.unit.incidents import patrol_reports as rep
from tests.unit.incidents.reports import CN_MZ, VN_OTHER, Case


def _recorded(**overrides: object) -> PatrolRecorded:
    case = Case()
    case.do(rep.bilateral())
    [event] = case.do(rep.record_patrol(**overrides))
    assert isinstance(event, PatrolRecorded)
    return event


def test_a_finding_marked_raise_incident_becomes_a_raise_incident_report() -> None:
    """The report comes from the patrol's author, names the other patrol units, links the patrol case."""
    event = _recorded()
    [report] = follow_ups(event)
    assert report.command_id == finding_command_id(event.event_id, 0)
    assert (report.unit, report.parties, report.linked_cases) == (VN_OTHER, (CN_MZ,), (event.case_id,))
    assert (report.category, report.impact, report.location.marker) == ("border_marker_damage", "low", "103")
    assert report.correlation_id == event.correlation_id
    assert report.at == event.occurred_at.local()


def test_the_follow_up_is_accepted_and_lands_on_one_case_however_often_it_is_derived() -> None:
    """Deciding the follow-up opens an incident; deriving it again gives the same command id and so the same case."""
    event = _recorded()
    [report] = follow_ups(event)
    [again] = follow_ups(event)
    assert case_id_of(report) == case_id_of(again)
    case = Case()
    [raised] = case.do({"type": "RaiseIncident", **_as_dict(report)})
    assert isinstance(raised, IncidentRaised)
    assert raised.case_id == case_id_of(report)
    assert raised.linked_cases == (event.case_id,)


def test_findings_without_raise_incident_call_for_nothing() -> None:
    """A finding not marked raise_incident (even with a category), and other events, give no follow-ups."""
    quiet = rep.finding(raise_incident=False)  # categorised, yet not meant to raise an incident
    assert follow_ups(_recorded(findings=[quiet])) == []
    case = Case()
    [scheduled] = case.do(rep.bilateral())
    assert follow_ups(scheduled) == []


def _as_dict(report: object) -> dict[str, object]:
    raw: dict[str, object] = msgspec.to_builtins(report)
    raw.pop("type", None)
    return raw

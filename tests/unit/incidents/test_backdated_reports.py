"""An incident typed in late: its acknowledgement deadline runs from the report's own time, never from later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.incidents.domain import default_policy, due
from shared.events import AcknowledgementOverdue, IncidentRaised
from tests.unit.incidents import incident_reports as rep
from tests.unit.incidents.reports import NOW, Case

YESTERDAY_AT = "2026-11-22T07:15:00+07:00"
"""The hotline report was taken at 07:15 Lao Cai time the day before it was typed in (NOW is 09:30 there)."""


def test_a_report_typed_the_day_after_is_already_overdue_when_recorded() -> None:
    """Reported 25 h before it is recorded: acknowledge_by is report + 24 h, already passed, so one overdue is owed."""
    case = Case()
    [raised] = case.do(rep.raise_incident(at=YESTERDAY_AT, happened_at="2026-11-22T06:50:00+07:00"))
    assert isinstance(raised, IncidentRaised)
    reported = datetime(2026, 11, 22, 0, 15, tzinfo=UTC)
    assert raised.occurred_at.utc == reported
    assert raised.recorded_at == NOW  # the log still says when it learnt of it
    assert raised.acknowledge_by == reported + default_policy().acknowledge_within < NOW
    [overdue] = due(case.state, NOW, case.policy)
    assert isinstance(overdue, AcknowledgementOverdue)
    assert overdue.deadline == raised.acknowledge_by
    assert overdue.occurred_at.utc == raised.acknowledge_by  # it fell due before it was recorded
    case.do(rep.acknowledge(at="2026-11-23T10:40:00+08:00"))
    assert due(case.state, NOW + timedelta(days=3), case.policy) == []  # acknowledged: nothing more owed


def test_a_report_dated_ahead_of_the_clock_gets_no_extra_time() -> None:
    """A report whose time is ahead of the recording instant (a fast clock): the deadline runs from the recording."""
    case = Case()
    [raised] = case.do(rep.raise_incident(at="2026-11-23T15:00:00+07:00"))
    assert isinstance(raised, IncidentRaised)
    assert raised.acknowledge_by == NOW + default_policy().acknowledge_within


def test_a_report_of_yesterday_still_cannot_precede_what_it_reports() -> None:
    """Backdating is allowed, but the report's time may not be before the incident's own time."""
    rejection = Case().reject(rep.raise_incident(at=YESTERDAY_AT))  # happened_at is later that day
    assert rejection.code == "invalid_time"
    assert "happened_at" in rejection.message

"""Overdue events do not depend on the machine's time zone: instances anywhere build the same bytes and id."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from services.incidents.domain import UrgentCall, confirmation_due, default_policy, due
from shared.events import AnyEvent, encode_event
from tests.unit.incidents import handover_reports as handover
from tests.unit.incidents import incident_reports as incident
from tests.unit.incidents.reports import CN, NOW, VN, Case

ZONES = ("UTC0", "ICT-7", "EST5")
"""POSIX TZ values (no tz database needed): UTC, UTC+07:00, UTC-05:00."""
LATE = NOW + timedelta(days=30)


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (TZ and tzset); the original is restored after the test."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def _overdue() -> list[AnyEvent]:
    """Every kind of overdue event, decided at LATE."""
    policy = default_policy()
    raised, proposed = Case(), Case()
    raised.do(incident.raise_incident())
    proposed.do(handover.propose_property())
    call = UrgentCall(
        case_id="HL-ABCDEFGHIJKL", case_version=1, call_id="call-1", caller_unit=VN, callee_unit=CN,
        logged_at=NOW, correlation_id="thread-1",
    )
    return [*due(raised.state, LATE, policy), *due(proposed.state, LATE, policy), *confirmation_due(call, LATE, policy)]


def test_overdue_events_are_the_same_bytes_in_every_time_zone(machine_zone: Callable[[str], None]) -> None:
    """Decided on machines set to UTC, UTC+07:00 and UTC-05:00, the overdue events encode identically."""
    encoded = []
    for zone in ZONES:
        machine_zone(zone)
        events = _overdue()
        assert len(events) == 3
        encoded.append([encode_event(e) for e in events])
    assert encoded[0] == encoded[1] == encoded[2]

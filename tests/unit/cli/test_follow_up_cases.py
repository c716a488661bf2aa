"""What `send` and `simulate` say another service will open is exactly what the incidents service opens."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from liaison.report.follow_ups import follow_up_cases
from liaison.report.types import SERVICE_OF
from liaison.simulate.hotline_traffic import Traffic
from liaison.simulate.incident_traffic import IncidentTraffic
from services.incidents.domain import NewCase, case_id_of, decide, default_policy, fold
from services.incidents.domain.commands import AnyCommand
from services.incidents.domain.follow_ups import follow_ups
from services.incidents.domain.state import CaseState
from shared.events.ids import case_id_for

_decoder = msgspec.json.Decoder(AnyCommand)
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_patrol_findings_name_the_incidents_the_service_raises() -> None:
    """For simulated patrols, the named cases equal the case ids of the RaiseIncident reports the domain derives."""
    named_any = False
    for seed in range(40):
        rng = random.Random(seed)
        traffic = IncidentTraffic(rng, Traffic(rng, f"fu{seed}").base)
        report: dict[str, Any] | None
        report, flow = traffic.open("patrol", NOW)
        state: CaseState | None = None
        now = NOW
        while report is not None:
            command: AnyCommand = _decoder.decode(msgspec.json.encode(report))
            case_id = case_id_of(command) or flow.case_id or ""
            state = state or NewCase(case_id=case_id)
            events = decide(command, state, now, default_policy())
            state = fold(case_id, events, state)
            outcome = {"status": "accepted", "case_id": case_id,
                       "events": [{"type": type(e).__name__, "event_id": e.event_id} for e in events]}
            expected = [case_id_for(r.command_id, prefix="IN") for e in events for r in follow_ups(e)]
            assert follow_up_cases(report, outcome, SERVICE_OF) == expected
            named_any = named_any or bool(expected)
            flow.case_id = case_id
            now += timedelta(days=1)
            report = traffic.next(flow, now)
    assert named_any  # some simulated patrol found a damaged marker


def test_nothing_is_named_for_a_refused_report_or_without_the_incidents_service() -> None:
    """A refused urgent call, or one sent while no incidents service runs, names no follow-up case."""
    call = {"type": "LogCall", "urgent": True}
    accepted = {"status": "accepted", "case_id": "HL-ABC"}
    assert follow_up_cases(call, accepted, SERVICE_OF) != []
    assert follow_up_cases(call, {"status": "rejected"}, SERVICE_OF) == []
    hotline_only = {k: v for k, v in SERVICE_OF.items() if v == "hotline"}
    assert follow_up_cases(call, accepted, hotline_only) == []

"""The simulator's incidents traffic: every scripted report is accepted by the domain, persons only by subject id."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from liaison.report.types import CASE_TYPES as REPORT_TYPES
from liaison.report.types import TYPES_OF
from liaison.simulate.hotline_traffic import Traffic
from liaison.simulate.incident_traffic import INCIDENTS, RESPONSES, IncidentTraffic
from liaison.simulate.simulation import routable_kinds
from services.incidents.domain import NewCase, case_id_of, decide, default_policy, fold
from services.incidents.domain.commands import AnyCommand
from services.incidents.domain.state import CaseState
from shared.vault.names import free_texts, runs_in, tokens

_decoder = msgspec.json.Decoder(AnyCommand)
MOMENTS = [datetime.now(UTC), datetime(2026, 3, 31, 20, 0, tzinfo=UTC), datetime(2026, 12, 24, 17, 30, tzinfo=UTC)]


def _run(kind: str, seed: int, now: datetime) -> tuple[list[str], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Decide one scripted case from opening to its last step; returns the event types, the vault data, the reports."""
    rng = random.Random(seed)
    traffic = IncidentTraffic(rng, Traffic(rng, "test").base)
    opened, flow = traffic.open(kind, now)
    report: dict[str, Any] | None = opened
    reports, types = [opened], []
    state: CaseState | None = None
    while report is not None:
        command: AnyCommand = _decoder.decode(msgspec.json.encode(report))
        case_id = case_id_of(command) or ""
        state = state or NewCase(case_id=case_id)
        events = decide(command, state, now, default_policy())
        state = fold(case_id, events, state)
        types += [type(e).__name__ for e in events]
        flow.case_id = case_id
        now += timedelta(minutes=7)
        report = traffic.next(flow, now)
        if report is not None:
            reports.append(report)
    return types, flow.personal, reports


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.strftime("%Y-%m-%d"))
@pytest.mark.parametrize("kind", ["incident", "handover", "patrol", "meeting"])
def test_every_scripted_report_is_accepted(kind: str, moment: datetime) -> None:
    """Forty scripted cases of each kind run from opening report to last step without one rejection."""
    seen: Counter[str] = Counter()
    for seed in range(40):
        types, _, _ = _run(kind, seed, moment)
        seen.update(types)
    expected_final = {"incident": "IncidentClosed", "handover": "HandoverCompleted", "patrol": "PatrolRecorded",
                      "meeting": "MinutesSigned"}[kind]
    assert seen[expected_final] > 0


def test_handovers_pass_every_gate_and_some_stop_short() -> None:
    """Across many handovers: completed ones, rejected and aborted ones, and some left unanswered (to go overdue)."""
    endings: Counter[str] = Counter()
    for seed in range(150):
        types, _, _ = _run("handover", seed, MOMENTS[0])
        ends = [t for t in types if t in ("HandoverCompleted", "HandoverRejected", "HandoverAborted")]
        endings[ends[0] if ends else "unanswered"] += 1
        if "HandoverCompleted" in types and "ConsentRecorded" in types:
            assert types.index("RiskAssessed") < types.index("HandoverScheduled") < types.index("HandoverExecuted")
    assert set(endings) == {"HandoverCompleted", "HandoverRejected", "HandoverAborted", "unanswered"}


def test_victims_names_are_in_the_vault_data_and_in_no_report() -> None:
    """Persons get vault data with a name; no report's free text or any field holds that name."""
    named = 0
    for seed in range(60):
        _, personal, reports = _run("handover", seed, MOMENTS[0])
        wire = msgspec.json.encode(reports).decode()
        for subject_id, data in personal.items():
            named += 1
            assert data["name"] not in wire
            assert " ".join(tokens(data["name"])) not in {r for t in free_texts(reports) for r in runs_in(t)}
            assert subject_id.startswith("SUBJ-")
    assert named > 20


def test_kinds_whose_types_no_service_handles_are_skipped() -> None:
    """With only the hotline routed, every incidents kind is skipped and named with its missing types."""
    kinds, missing = routable_kinds(dict.fromkeys(TYPES_OF["hotline"], "hotline"))
    assert kinds == ["hotline"]
    assert set(missing) == {"incident", "handover", "patrol", "meeting"}
    assert missing["patrol"] == list(REPORT_TYPES["patrol"])
    everything = {t: "x" for types in REPORT_TYPES.values() for t in types}
    assert routable_kinds(everything) == (list(REPORT_TYPES), {})


def test_an_incidents_responses_follow_its_category() -> None:
    """Every category the simulator raises has responses of its own; each response sent is one of its category's."""
    raised = {category for category, *_ in INCIDENTS}
    assert raised <= set(RESPONSES)
    seen: set[str] = set()
    for seed in range(60):
        _, _, reports = _run("incident", seed, MOMENTS[0])
        category = reports[0]["category"]
        for report in reports[1:]:
            if report["type"] == "RecordResponse":
                seen.add(category)
                assert (report["action"], report["description"]["vi"]) in {
                    (action, vi) for action, vi, _ in RESPONSES[category]
                }, category
    assert len(seen) >= 4  # enough categories answered for the check to mean something

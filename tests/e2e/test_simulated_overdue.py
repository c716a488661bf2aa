"""`liaison simulate` under the shipped policy records overdue deadlines, once each, `liaison cases` shows them,
and the summary counts every case the run caused (the incidents service's included)."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from shared.access.signatures import REGISTRY_CASE
from shared.store import keys
from tests.e2e.conftest import READS, Deployment, wait_until

OVERDUE_TYPES = ("AcknowledgementOverdue", "AcceptanceOverdue", "ConfirmationOverdue")


def _late(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in views if any(o["overdue"] for o in v["obligations"])]


def test_simulated_incidents_typed_in_late_are_overdue_once_each(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Default 24 h policy: incidents reported the day before are overdue; one overdue event per deadline; shown."""
    monkeypatch.setitem(READS, "incidents", (keys.intake("incidents"), "incidents"))
    for service in ("hotline", "incidents", "projections"):
        deployment.start(service)
    run = deployment.liaison("simulate", "--events", "300", "--seed", "3", "--json")
    summary = json.loads(run.stdout)
    assert summary["unanswered"] == 0, run.stderr
    assert summary["skipped"] == {}
    assert summary["rejected"] == {}, summary["rejected"]  # reports typed in a day late are accepted
    late: list[dict[str, Any]] = []

    def overdue_shown() -> bool:
        late[:] = _late(deployment.liaison_json("cases"))
        return bool(late)

    wait_until(overdue_shown, 20, "an overdue obligation in `liaison cases`")
    assert {v["kind"] for v in late} == {"incident"}
    for view in late:
        history = deployment.liaison("events", view["case_id"], "--json")
        events = [json.loads(line) for line in history.stdout.splitlines()]
        kinds = Counter(e["event"]["type"] for e in events)
        assert kinds["AcknowledgementOverdue"] == 1, kinds  # exactly one per passed deadline
        raised = next(e["event"] for e in events if e["event"]["type"] == "IncidentRaised")
        assert raised["occurred_at"]["utc"] < raised["recorded_at"]  # typed in after it was reported
    table = deployment.liaison("cases")
    shown = re.search(r"; (\d+) with an overdue obligation", table.stdout)
    assert shown is not None
    assert int(shown.group(1)) >= len(late)  # more may have fallen due meanwhile
    assert any(line.startswith(late[0]["case_id"]) and "!" in line for line in table.stdout.splitlines())
    caused = set(summary["cases"]) | set(summary["follow_up_cases"])
    assert len(caused) > len(summary["cases"])  # seed 3 logs urgent calls, so the incidents service opened cases

    def every_case_counted() -> bool:
        return {v["case_id"] for v in deployment.liaison_json("cases")} - {REGISTRY_CASE} == caused

    wait_until(every_case_counted, 20, "`liaison cases` to list exactly the cases the summary counts")
    wait_until(lambda: deployment.liaison("replay").returncode == 0, 30, "chains verified and views rebuilt alike")

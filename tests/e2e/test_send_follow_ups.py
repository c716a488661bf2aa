"""`liaison send` names the case another service opens for a report: the incident an urgent call raises."""

from __future__ import annotations

import json

import pytest

from shared.store import keys
from tests.e2e.conftest import READS, Deployment, wait_until


def _urgent_call(deployment: Deployment) -> dict[str, object]:
    report = json.loads(deployment.liaison("example", "LogCall").stdout)
    report["urgent"] = True
    return report


def test_an_urgent_call_names_the_incident_it_raises(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the incidents service running, the outcome names the incident case, and that case then exists."""
    monkeypatch.setitem(READS, "incidents", (keys.intake("incidents"), "incidents"))
    for service in ("hotline", "incidents", "projections"):
        deployment.start(service)
    run = deployment.liaison("send", stdin=json.dumps(_urgent_call(deployment)).encode())
    assert run.returncode == 0, run.stdout + run.stderr
    outcome = json.loads(run.stdout)
    [incident] = outcome["follow_up_cases"]
    assert incident.startswith("IN-")
    assert incident != outcome["case_id"]

    def raised() -> bool:
        found = deployment.liaison("case", incident, "--json")
        return found.returncode == 0 and outcome["case_id"] in json.loads(found.stdout)["linked_cases"]

    wait_until(raised, 20, "the named incident case, linked to the hotline case")


def test_without_the_incidents_service_nothing_is_promised(deployment: Deployment) -> None:
    """Only the hotline running: an urgent call's outcome names no follow-up case (nobody would open it)."""
    deployment.start("hotline")
    run = deployment.liaison("send", stdin=json.dumps(_urgent_call(deployment)).encode())
    assert run.returncode == 0, run.stdout + run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["status"] == "accepted"
    assert "follow_up_cases" not in outcome

"""Cases a service opens or updates in answer to a report (said by ``send`` and counted by ``simulate``).

Known from the report and its outcome alone, because a follow-up's case id is derived from its
command id like any opening report's: an accepted urgent ``LogCall`` raises, or links to, the incident
case of its hotline case (ADR 0005); an accepted ``RecordPatrol`` raises an incident for each finding
marked ``raise_incident`` (``services/incidents/domain/follow_ups.py``). Both are the incidents
service's work, so they are named only when it is running.
"""

from __future__ import annotations

from typing import Any

from services.incidents.calls import incident_case_of
from services.incidents.domain.follow_ups import finding_command_id
from shared.events.ids import case_id_for


def follow_up_cases(report: dict[str, Any], outcome: dict[str, Any], service_of: dict[str, str]) -> list[str]:
    """The case ids other services open or update for this report once it is accepted (none if refused)."""
    if outcome.get("status") != "accepted" or "RaiseIncident" not in service_of:
        return []
    if report.get("type") == "LogCall" and report.get("urgent") is True:
        # .get: an odd outcome must not end the printing of every later line's outcome
        return [incident_case_of(case_id)] if isinstance(case_id := outcome.get("case_id"), str) else []
    if report.get("type") == "RecordPatrol":
        patrol = next((e["event_id"] for e in outcome.get("events", []) if e.get("type") == "PatrolRecorded"), None)
        findings = report.get("findings") or []
        return [
            case_id_for(finding_command_id(patrol, index), prefix="IN")
            for index, finding in enumerate(findings)
            if patrol and isinstance(finding, dict) and finding.get("raise_incident") is True
            and finding.get("category") and finding.get("impact")
        ]
    return []

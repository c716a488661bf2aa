"""Cases a service opens or updates in answer to a report sent to another one (said by ``send`` and ``simulate``).

Known from the report and its outcome alone, because the follow-up's case id is derived (ADR 0005):
an accepted urgent ``LogCall`` raises, or links to, the incident case of its hotline case, when the
incidents service is running to do it.
"""

from __future__ import annotations

from typing import Any

from services.incidents.calls import incident_case_of


def follow_up_cases(report: dict[str, Any], outcome: dict[str, Any], service_of: dict[str, str]) -> list[str]:
    """The case ids other services open or update for this report once it is accepted (none if refused)."""
    if outcome.get("status") != "accepted" or "RaiseIncident" not in service_of:
        return []
    if report.get("type") == "LogCall" and report.get("urgent") is True:
        return [incident_case_of(outcome["case_id"])]
    return []

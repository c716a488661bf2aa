"""Reports that recorded events call for: a patrol finding marked ``raise_incident`` raises an incident.

Design: ``decide`` only ever writes to the one case it decides on (the store appends to one case
atomically). A finding that raises an incident therefore becomes a *follow-up report*, derived
from the recorded ``PatrolRecorded`` event alone, which the service submits to its own intake
after the append. Its command id is derived from the event id and the finding's index, so a
crash between the append and the submission, or two instances doing it, still gives one
incident: the opening case id is derived from the command id, and a resent command is recorded once.
"""

from __future__ import annotations

from services.incidents.domain.incident_commands import RaiseIncident
from shared.events import AnyEvent, PatrolRecorded
from shared.events.border import Location, Reliability

FINDING_RELIABILITY: Reliability = "A"
"""A patrol saw it: a reliable source."""
FINDING_ACCURACY = 2
"""Probably true: seen in the field, not yet verified with the other side."""


def finding_command_id(event_id: str, index: int) -> str:
    """The command id of the incident a patrol's ``index``-th finding raises."""
    return f"{event_id}/finding/{index}"


def follow_ups(event: AnyEvent) -> list[RaiseIncident]:
    """The reports an event calls for (today: RaiseIncident for each patrol finding marked raise_incident)."""
    if not isinstance(event, PatrolRecorded):
        return []
    others = tuple(p for p in event.participants if p != event.unit)
    reports = []
    for index, finding in enumerate(event.findings):
        if not finding.raise_incident or finding.category is None or finding.impact is None:
            continue
        reports.append(
            RaiseIncident(
                command_id=finding_command_id(event.event_id, index),
                unit=event.unit,
                officer=event.officer,
                at=event.occurred_at.local(),
                handling=event.handling,
                exercise=event.exercise,
                correlation_id=event.correlation_id,
                category=finding.category,
                location=Location(marker=finding.marker),
                happened_at=event.ended_at.local(),
                impact=finding.impact,
                reliability=FINDING_RELIABILITY,
                accuracy=FINDING_ACCURACY,
                summary=finding.description,
                parties=others,
                linked_cases=(event.case_id,),
            )
        )
    return reports

"""Every report the incidents service takes (the intake wire format), and which ones open a case."""

from __future__ import annotations

from typing import Literal, Union

from services.incidents.domain.command_base import MAX_TEXT, Command, LocalTime
from services.incidents.domain.handover_commands import (
    AbortHandover,
    AcceptHandover,
    CompleteHandover,
    ExecuteHandover,
    OverrideRequest,
    ProposeHandover,
    RecordConsent,
    RecordNationalityVerification,
    RecordRiskAssessment,
    RejectHandover,
    ScheduleHandover,
)
from services.incidents.domain.incident_commands import (
    AcknowledgeIncident,
    CloseIncident,
    LinkCases,
    RaiseIncident,
    RecordResponse,
    UpdateIncident,
)
from services.incidents.domain.patrol_commands import RecordMeeting, RecordPatrol, SchedulePatrol, SignMinutes

CaseKind = Literal["incident", "handover", "patrol", "meeting"]

AnyCommand = Union[  # noqa: UP007 - msgspec needs a runtime Union
    RaiseIncident,
    AcknowledgeIncident,
    UpdateIncident,
    RecordResponse,
    LinkCases,
    CloseIncident,
    ProposeHandover,
    RecordNationalityVerification,
    RecordRiskAssessment,
    RecordConsent,
    AcceptHandover,
    RejectHandover,
    ScheduleHandover,
    ExecuteHandover,
    CompleteHandover,
    AbortHandover,
    SchedulePatrol,
    RecordPatrol,
    RecordMeeting,
    SignMinutes,
]

COMMAND_KINDS: dict[type[Command], CaseKind] = {
    RaiseIncident: "incident",
    AcknowledgeIncident: "incident",
    UpdateIncident: "incident",
    RecordResponse: "incident",
    LinkCases: "incident",
    CloseIncident: "incident",
    ProposeHandover: "handover",
    RecordNationalityVerification: "handover",
    RecordRiskAssessment: "handover",
    RecordConsent: "handover",
    AcceptHandover: "handover",
    RejectHandover: "handover",
    ScheduleHandover: "handover",
    ExecuteHandover: "handover",
    CompleteHandover: "handover",
    AbortHandover: "handover",
    SchedulePatrol: "patrol",
    RecordPatrol: "patrol",
    RecordMeeting: "meeting",
    SignMinutes: "meeting",
}
"""The kind of case each report is about."""

COMMAND_TYPES: dict[str, type[Command]] = {cls.__name__: cls for cls in COMMAND_KINDS}

OPENING: dict[type[Command], str] = {
    RaiseIncident: "IN",
    ProposeHandover: "HO",
    SchedulePatrol: "PT",
    RecordMeeting: "MT",
}
"""Reports that open a case when they carry no ``case_id``, and the prefix of the case id derived for them."""

OPENS_CASE: frozenset[str] = frozenset(cls.__name__ for cls in OPENING)

__all__ = [
    "COMMAND_KINDS",
    "COMMAND_TYPES",
    "MAX_TEXT",
    "OPENING",
    "OPENS_CASE",
    "AbortHandover",
    "AcceptHandover",
    "AcknowledgeIncident",
    "AnyCommand",
    "CaseKind",
    "CloseIncident",
    "Command",
    "CompleteHandover",
    "ExecuteHandover",
    "LinkCases",
    "LocalTime",
    "OverrideRequest",
    "ProposeHandover",
    "RaiseIncident",
    "RecordConsent",
    "RecordMeeting",
    "RecordNationalityVerification",
    "RecordPatrol",
    "RecordResponse",
    "RecordRiskAssessment",
    "RejectHandover",
    "ScheduleHandover",
    "SchedulePatrol",
    "SignMinutes",
    "UpdateIncident",
]

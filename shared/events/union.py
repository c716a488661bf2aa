"""The tagged union of every event type, and the current schema version of each."""

from __future__ import annotations

from typing import Union

from shared.events.deadlines import AcceptanceOverdue, AcknowledgementOverdue, ConfirmationOverdue
from shared.events.handovers import (
    ConsentRecorded,
    HandoverAborted,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverRejected,
    HandoverScheduled,
    NationalityVerified,
    RiskAssessed,
)
from shared.events.hotline import (
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.events.incidents import (
    CasesLinked,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentRaised,
    IncidentUpdated,
    ResponseRecorded,
)
from shared.events.keys import UnitKeyRegistered, UnitKeyRevoked
from shared.events.patrols import MeetingRecorded, MinutesSigned, PatrolRecorded, PatrolScheduled

AnyEvent = Union[  # noqa: UP007 - msgspec needs a runtime Union object it can introspect
    HotlineCallLogged,
    LetterSent,
    LetterReceived,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
    IncidentRaised,
    IncidentAcknowledged,
    IncidentUpdated,
    ResponseRecorded,
    CasesLinked,
    IncidentClosed,
    HandoverProposed,
    NationalityVerified,
    RiskAssessed,
    ConsentRecorded,
    HandoverAccepted,
    HandoverRejected,
    HandoverScheduled,
    HandoverExecuted,
    HandoverCompleted,
    HandoverAborted,
    PatrolScheduled,
    PatrolRecorded,
    MeetingRecorded,
    MinutesSigned,
    AcknowledgementOverdue,
    AcceptanceOverdue,
    ConfirmationOverdue,
    UnitKeyRegistered,
    UnitKeyRevoked,
]

EVENT_TYPES: dict[str, type[AnyEvent]] = {
    "HotlineCallLogged": HotlineCallLogged,
    "LetterSent": LetterSent,
    "LetterReceived": LetterReceived,
    "MessageAcknowledged": MessageAcknowledged,
    "UrgentCallConfirmedInWriting": UrgentCallConfirmedInWriting,
    "IncidentRaised": IncidentRaised,
    "IncidentAcknowledged": IncidentAcknowledged,
    "IncidentUpdated": IncidentUpdated,
    "ResponseRecorded": ResponseRecorded,
    "CasesLinked": CasesLinked,
    "IncidentClosed": IncidentClosed,
    "HandoverProposed": HandoverProposed,
    "NationalityVerified": NationalityVerified,
    "RiskAssessed": RiskAssessed,
    "ConsentRecorded": ConsentRecorded,
    "HandoverAccepted": HandoverAccepted,
    "HandoverRejected": HandoverRejected,
    "HandoverScheduled": HandoverScheduled,
    "HandoverExecuted": HandoverExecuted,
    "HandoverCompleted": HandoverCompleted,
    "HandoverAborted": HandoverAborted,
    "PatrolScheduled": PatrolScheduled,
    "PatrolRecorded": PatrolRecorded,
    "MeetingRecorded": MeetingRecorded,
    "MinutesSigned": MinutesSigned,
    "AcknowledgementOverdue": AcknowledgementOverdue,
    "AcceptanceOverdue": AcceptanceOverdue,
    "ConfirmationOverdue": ConfirmationOverdue,
    "UnitKeyRegistered": UnitKeyRegistered,
    "UnitKeyRevoked": UnitKeyRevoked,
}

CURRENT_SCHEMA: dict[str, int] = dict.fromkeys(EVENT_TYPES, 1)
"""The schema version each type is written with today; older ones are upcast on read."""

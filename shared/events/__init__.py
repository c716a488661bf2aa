"""Event types of the Liaison log, their envelope and their canonical codec."""

from shared.events.codec import decode_event, encode_event
from shared.events.deadlines import AcceptanceOverdue, AcknowledgementOverdue, ConfirmationOverdue
from shared.events.envelope import Event, Instant, Text
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
from shared.events.patrols import MeetingRecorded, MinutesSigned, PatrolRecorded, PatrolScheduled
from shared.events.union import EVENT_TYPES, AnyEvent

__all__ = [
    "EVENT_TYPES",
    "AcceptanceOverdue",
    "AcknowledgementOverdue",
    "AnyEvent",
    "CasesLinked",
    "ConfirmationOverdue",
    "ConsentRecorded",
    "Event",
    "HandoverAborted",
    "HandoverAccepted",
    "HandoverCompleted",
    "HandoverExecuted",
    "HandoverProposed",
    "HandoverRejected",
    "HandoverScheduled",
    "HotlineCallLogged",
    "IncidentAcknowledged",
    "IncidentClosed",
    "IncidentRaised",
    "IncidentUpdated",
    "Instant",
    "LetterReceived",
    "LetterSent",
    "MeetingRecorded",
    "MessageAcknowledged",
    "MinutesSigned",
    "NationalityVerified",
    "PatrolRecorded",
    "PatrolScheduled",
    "ResponseRecorded",
    "RiskAssessed",
    "Text",
    "UrgentCallConfirmedInWriting",
    "decode_event",
    "encode_event",
]

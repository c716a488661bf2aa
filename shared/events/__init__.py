"""Event types of the Liaison log, their envelope and their canonical codec."""

from shared.events.codec import decode_event, encode_event
from shared.events.envelope import Event, Instant, Text
from shared.events.hotline import (
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.events.union import EVENT_TYPES, AnyEvent

__all__ = [
    "EVENT_TYPES",
    "AnyEvent",
    "Event",
    "HotlineCallLogged",
    "Instant",
    "LetterReceived",
    "LetterSent",
    "MessageAcknowledged",
    "Text",
    "UrgentCallConfirmedInWriting",
    "decode_event",
    "encode_event",
]

"""The tagged union of every event type, and the current schema version of each."""

from __future__ import annotations

from typing import Union

from shared.events.hotline import (
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)

AnyEvent = Union[  # noqa: UP007 - msgspec needs a runtime Union object it can introspect
    HotlineCallLogged,
    LetterSent,
    LetterReceived,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
]

EVENT_TYPES: dict[str, type[AnyEvent]] = {
    "HotlineCallLogged": HotlineCallLogged,
    "LetterSent": LetterSent,
    "LetterReceived": LetterReceived,
    "MessageAcknowledged": MessageAcknowledged,
    "UrgentCallConfirmedInWriting": UrgentCallConfirmedInWriting,
}

CURRENT_SCHEMA: dict[str, int] = dict.fromkeys(EVENT_TYPES, 1)
"""The schema version each type is written with today; older ones are upcast on read."""

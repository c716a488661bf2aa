"""Reading log entries for the views: fast decode, upcasting old shapes, tolerating unknown types.

Pure (no I/O). The worker and the rebuild share it, so both read every entry the same way.
"""

from __future__ import annotations

import msgspec

from shared.events import AnyEvent, decode_event
from shared.events.codec import UnknownEventType
from shared.events.union import CURRENT_SCHEMA, EVENT_TYPES
from shared.readmodel.fold import UnknownEvent, ViewEvent

_decoder = msgspec.json.Decoder(AnyEvent)
_unknown_decoder = msgspec.json.Decoder(UnknownEvent)
_current = {cls: CURRENT_SCHEMA[name] for name, cls in EVENT_TYPES.items()}


class _Head(msgspec.Struct):
    case_id: str
    case_version: int


_head_decoder = msgspec.json.Decoder(_Head)


def read_event(data: bytes) -> ViewEvent:
    """The event in a log entry's ``e`` field; raises if the bytes are not a readable event.

    One decode in the common case (the event is of the current schema); an older schema goes
    through the codec's upcasters, and a type this code does not know is read as its envelope.
    """
    event = read_current(data)
    if event is not None:
        return event
    try:
        return decode_event(data)
    except UnknownEventType:
        return _unknown_decoder.decode(data)


def read_current(data: bytes) -> AnyEvent | None:
    """``read_event``'s one-decode path: the event if it is a known type of the current schema, else None.

    Such an event was decoded from the entry's own bytes with nothing changed, so its ``case_id`` and
    ``case_version`` are the entry's own: the auditor's chain check takes them from it instead of
    decoding the entry a second time.
    """
    try:
        event: AnyEvent = _decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None  # an old shape, an unknown type, or garbage: read_event's slow path says which
    return event if event.schema_version == _current[type(event)] else None


def read_head(data: bytes) -> tuple[str, int] | None:
    """Case id and case version of an entry whose event cannot be read, if even those can be."""
    try:
        head = _head_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return head.case_id, head.case_version


def describe(exc: BaseException) -> str:
    """A one-line reason naming the error, for the parked record and the logs."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

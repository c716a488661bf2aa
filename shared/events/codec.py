"""Canonical JSON for the log, and decoding with upcasting of older shapes.

The bytes written to the log are the bytes hashed into the case's chain, so the
encoder must be deterministic: fields are written in sorted order, times in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from shared.events.union import CURRENT_SCHEMA, AnyEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""(type, schema_version) -> function turning that shape into the next version's shape."""


class _Head(msgspec.Struct):
    type: str
    schema_version: int = 1


class UnknownEventType(ValueError):
    """The log holds an event type this code does not know."""


_encoder = msgspec.json.Encoder(order="sorted")
_event_decoder = msgspec.json.Decoder(AnyEvent)
_head_decoder = msgspec.json.Decoder(_Head)


def encode_event(event: AnyEvent) -> bytes:
    """The canonical bytes of an event, as written to the log."""
    return _encoder.encode(event)


def decode_event(data: bytes) -> AnyEvent:
    """Decode an event from the log, upcasting an older schema to the current one."""
    head = _head_decoder.decode(data)
    current = CURRENT_SCHEMA.get(head.type)
    if current is None:
        raise UnknownEventType(f"unknown event type {head.type!r}")
    if head.schema_version == current:
        event: AnyEvent = _event_decoder.decode(data)
        return event
    raw: dict[str, Any] = msgspec.json.decode(data)
    version = head.schema_version
    while version < current:
        raw = UPCASTERS[(head.type, version)](raw)
        version += 1
        raw["schema_version"] = version
    upcast: AnyEvent = msgspec.convert(raw, AnyEvent)
    return upcast

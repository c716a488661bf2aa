"""The canonical event codec: deterministic sorted JSON, unknown fields tolerated, older shapes upcast."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from shared.events import LetterSent, Text, decode_event, encode_event
from shared.events import codec as codec_module
from shared.events.union import CURRENT_SCHEMA
from tests.contract.factory import call


def _keys_sorted(value: Any) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(_keys_sorted(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_sorted(v) for v in value)
    return True


def test_round_trip() -> None:
    """An event decodes from its canonical bytes to an equal event, and re-encodes to the same bytes."""
    event = call("case-1", 3)
    data = encode_event(event)
    assert decode_event(data) == event
    assert encode_event(decode_event(data)) == data


def test_canonical_bytes_are_sorted_and_deterministic() -> None:
    """Keys are written in sorted order at every level, so the same event always hashes the same."""
    event = call("case-1", 1)
    data = encode_event(event)
    parsed = json.loads(data)
    assert _keys_sorted(parsed)
    assert parsed["type"] == "HotlineCallLogged"
    assert encode_event(msgspec.structs.replace(event)) == data
    assert "Nguyễn".encode() in data  # UTF-8 as it is, readable with redis-cli


def test_unknown_fields_are_tolerated() -> None:
    """A field written by a newer writer is ignored by this reader, at the top level and nested."""
    event = call("case-1", 1)
    raw = json.loads(encode_event(event))
    raw["added_later"] = {"x": 1}
    raw["summary"]["ko"] = "나중에"
    assert decode_event(json.dumps(raw).encode()) == event


def test_an_upcaster_turns_an_old_shape_into_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version-1 event is passed through the registered upcaster and decodes as the current version."""
    current = LetterSent(
        event_id="e-1", schema_version=2, case_id="case-1", case_version=1, occurred_at=call("c", 1).occurred_at,
        recorded_at=call("c", 1).recorded_at, unit="VN-LC-IBGS", officer="An", causation_id="x",
        correlation_id="y", reference="BP/1", from_unit="VN-LC-IBGS", to_unit="CN-HK-IBCS", channel="letter",
        subject=Text(original="vi", vi="Thư"), body=Text(original="vi", vi="Nội dung"),
    )
    old = json.loads(encode_event(current))
    old["schema_version"] = 1
    old["sender"] = old.pop("from_unit")  # the version-1 shape named the field differently

    def rename_sender(raw: dict[str, Any]) -> dict[str, Any]:
        raw = dict(raw)
        raw["from_unit"] = raw.pop("sender")
        return raw

    monkeypatch.setitem(CURRENT_SCHEMA, "LetterSent", 2)
    monkeypatch.setitem(codec_module.UPCASTERS, ("LetterSent", 1), rename_sender)
    assert decode_event(json.dumps(old).encode()) == current


def test_an_unknown_type_is_a_clear_error() -> None:
    """An event type this code does not know is refused by name, not with a traceback from deep inside."""
    raw = json.loads(encode_event(call("case-1", 1)))
    raw["type"] = "SomethingNew"
    with pytest.raises(codec_module.UnknownEventType, match="SomethingNew"):
        decode_event(json.dumps(raw).encode())

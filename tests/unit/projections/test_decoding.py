"""Reading log entries for the views: known types, unknown types, garbage, and the diff's field paths."""

from __future__ import annotations

import msgspec
import pytest

from services.projections.rebuild import _compare
from shared.events import encode_event
from shared.readmodel.decoding import describe, read_event, read_head
from shared.readmodel.fold import UnknownEvent
from tests.unit.projections.factory import CaseBuilder


def test_a_current_event_reads_back_equal() -> None:
    """An event in its canonical bytes decodes to an equal event."""
    event = CaseBuilder("case-r").call(urgent=True, confirm=True)
    assert read_event(encode_event(event)) == event


def test_an_unknown_type_reads_as_its_envelope() -> None:
    """An event type this code does not know is read as an UnknownEvent with its envelope fields."""
    raw = msgspec.json.decode(encode_event(CaseBuilder("case-u").letter_sent()))
    raw["type"] = "VictimHandedOver"
    raw["subject_id"] = "p-123"
    event = read_event(msgspec.json.encode(raw))
    assert isinstance(event, UnknownEvent)
    assert (event.type, event.case_id, event.case_version) == ("VictimHandedOver", "case-u", 1)


@pytest.mark.parametrize("data", [b"not json", b"{}", b'{"type": "HotlineCallLogged", "case_id": "c"}'])
def test_garbage_is_refused(data: bytes) -> None:
    """Bytes that are not a readable event raise instead of producing a view."""
    with pytest.raises((msgspec.DecodeError, msgspec.ValidationError)):
        read_event(data)


def test_the_head_of_a_broken_event_still_names_its_case() -> None:
    """An event missing its body fields still yields its case id and version; garbage yields None."""
    assert read_head(b'{"type": "HotlineCallLogged", "case_id": "c", "case_version": 4}') == ("c", 4)
    assert read_head(b"not json") is None


def test_describe_names_the_error() -> None:
    """A reason starts with the error's type and keeps its first line."""
    assert describe(ValueError("bad field\nmore")) == "ValueError: bad field"
    assert describe(KeyError()) == "KeyError"


def test_compare_names_nested_fields_by_path() -> None:
    """The diff names a nested field by its dotted path, with both values."""
    live = {"counts": {"calls": 3, "letters_sent": 1}, "status": "open", "parties": ["A"]}
    rebuilt = {"counts": {"calls": 2, "letters_sent": 1}, "status": "open", "parties": ["A", "B"]}
    found = [(d.field, d.live, d.rebuilt) for d in _compare(live, rebuilt, "")]
    assert found == [("counts.calls", 3, 2), ("parties", ["A"], ["A", "B"])]
    assert _compare(live, live, "") == []

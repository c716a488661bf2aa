"""Deterministic event ids (UUIDv7 format) and derived case ids."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.events.ids import case_id_for, event_id

NOW = datetime(2026, 11, 23, 2, 30, 15, 123456, tzinfo=UTC)


def test_event_id_is_a_uuid7_whose_time_part_is_now_in_milliseconds() -> None:
    """The id parses as a version-7, RFC-variant UUID and its first 48 bits are ``now`` in Unix ms."""
    parsed = uuid.UUID(event_id(NOW, "cmd-1", 0))
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == int(NOW.timestamp() * 1000)


def test_event_id_is_reproducible_and_distinct_per_seed_and_index() -> None:
    """Same inputs give the same id; another seed or index gives another id."""
    assert event_id(NOW, "cmd-1", 0) == event_id(NOW, "cmd-1", 0)
    ids = {event_id(NOW, "cmd-1", 0), event_id(NOW, "cmd-1", 1), event_id(NOW, "cmd-2", 0)}
    assert len(ids) == 3


def test_event_ids_sort_by_time() -> None:
    """An id made a millisecond later sorts after, whatever the seed."""
    earlier = event_id(NOW, "zzzz", 9)
    later = event_id(NOW + timedelta(milliseconds=1), "aaaa", 0)
    assert earlier < later


def test_event_id_same_instant_in_another_offset_is_the_same_id() -> None:
    """The time part is the instant, not the wall clock: +07:00 and UTC give the same id."""
    local = NOW.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+07:00").tzinfo)
    assert event_id(local, "c", 0) == event_id(NOW, "c", 0)


def test_event_id_refuses_a_naive_time() -> None:
    """A naive datetime names no instant, so it is refused."""
    with pytest.raises(ValueError, match="aware"):
        event_id(NOW.replace(tzinfo=None), "c", 0)


def test_case_id_for_is_stable_readable_and_distinct() -> None:
    """A derived case id is HL- plus 12 base32 characters, the same for one command id, another for another."""
    first = case_id_for("cmd-1")
    assert first == case_id_for("cmd-1")
    assert re.fullmatch(r"HL-[A-Z2-7]{12}", first)
    assert case_id_for("cmd-2") != first
    assert case_id_for("cmd-1", prefix="IN").startswith("IN-")

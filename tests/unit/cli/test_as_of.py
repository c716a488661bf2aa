"""``replay --as-of``: the instant is parsed strictly, a case stands as its events up to then, its chain is checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liaison import exits
from liaison.audit.as_of import case_as_of, chain_problems, parse_instant
from shared.events import encode_event
from shared.store import RecordedEvent
from shared.store.chain import GENESIS, link
from tests.unit.projections.factory import START, busy_case


def _records(case_id: str = "ASOF-1") -> list[RecordedEvent]:
    records, prev = [], GENESIS
    for i, event in enumerate(busy_case(case_id).events, start=1):
        data = encode_event(event)
        digest = link(prev, data)
        records.append(RecordedEvent(partition=0, position=f"1-{i}", number=i, prev=prev, hash=digest, data=data))
        prev = digest
    return records


def test_an_instant_needs_its_offset() -> None:
    """A time with an offset (or Z) parses; a naive or malformed one is a usage error naming --as-of."""
    assert parse_instant("2026-11-20T10:00:00+07:00") == datetime(2026, 11, 20, 3, tzinfo=UTC)
    assert parse_instant("2026-11-20T03:00:00Z") == datetime(2026, 11, 20, 3, tzinfo=UTC)
    for bad, why in (("2026-11-20T10:00:00", "no UTC offset"), ("tomorrow", "not an ISO 8601 time")):
        with pytest.raises(exits.CliError, match=f"--as-of: .*{why}") as refused:
            parse_instant(bad)
        assert refused.value.code == exits.USAGE


def test_a_case_stands_as_its_events_recorded_by_then() -> None:
    """Events are recorded a minute apart (plus 5 s): at START + 3 min 5 s the case is at version 3."""
    records = _records()
    view = case_as_of(records, START + timedelta(minutes=3, seconds=5), "ASOF-1")
    assert view is not None
    assert view.version == 3
    assert case_as_of(records, START, "ASOF-1") is None
    latest = case_as_of(records, START + timedelta(days=1), "ASOF-1")
    assert latest is not None
    assert latest.version == len(records)


def test_a_sound_chain_has_no_problems_and_a_changed_one_does() -> None:
    """The chain of a case as written verifies; an altered event, a removed one or a moved head are named."""
    records = _records()
    head = (len(records), records[-1].hash)
    assert chain_problems(records, head) == []
    altered = list(records)
    third = records[2]
    altered[2] = RecordedEvent(0, "1-3", 3, third.prev, third.hash, third.data.replace(b"officer", b"0fficer"))
    assert any("altered" in p and "version 3" in p for p in chain_problems(altered, head))
    removed = records[:2] + records[3:]
    assert any("expected version 3" in p for p in chain_problems(removed, head))
    assert any("recorded head" in p for p in chain_problems(records[:-1], head))
    assert any("recorded head" in p for p in chain_problems([], head))

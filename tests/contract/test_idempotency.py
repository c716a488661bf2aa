"""Retries: the same events or the same command twice are recorded once, at their original positions."""

from __future__ import annotations

import pytest

from shared.store import EventStore
from shared.store.errors import InvalidAppend
from tests.contract.factory import call, calls, partition_state


async def test_retried_append_returns_original_positions(store: EventStore) -> None:
    """Appending the same event ids again returns the first positions and version, marked duplicate, writing nothing."""
    case_id = "retry-1"
    events = calls(case_id, 1, 2)
    first = await store.append(case_id, events, 0)
    assert not first.duplicate
    await store.append(case_id, [call(case_id, 3)], 2)  # the case moves on before the retry arrives
    before = await partition_state(store, case_id)
    again = await store.append(case_id, events, 0)
    assert again.duplicate
    assert again.positions == first.positions
    assert again.version == 2
    assert await partition_state(store, case_id) == before
    recorded = await store.read_case(case_id)
    assert [entry.head()[1] for entry in recorded] == [1, 2, 3]
    assert [entry.position for entry in recorded[:2]] == list(first.positions)
    assert [entry.event() for entry in recorded[:2]] == events


async def test_partial_duplicate_is_refused_without_writing(store: EventStore) -> None:
    """An append mixing a recorded event id with a new one is refused with a typed error and writes nothing."""
    case_id = "retry-2"
    recorded = calls(case_id, 1, 2)
    await store.append(case_id, recorded, 0)
    before = await partition_state(store, case_id)
    mixed = [call(case_id, 3, event_id=recorded[1].event_id), call(case_id, 4)]
    with pytest.raises(InvalidAppend, match="already recorded"):
        await store.append(case_id, mixed, 2)
    assert await partition_state(store, case_id) == before


async def test_retried_command_returns_original_positions(store: EventStore) -> None:
    """A command sent again (even re-decided into new event ids) returns its first positions, writing nothing."""
    case_id = "retry-3"
    first = await store.append(case_id, calls(case_id, 1, 3), 0, command_id="cmd-42")
    before = await partition_state(store, case_id)
    again = await store.append(case_id, calls(case_id, 1, 3), 0, command_id="cmd-42")
    assert again.duplicate
    assert again.positions == first.positions
    assert again.version == 3
    assert await store.command_positions(case_id, "cmd-42") == first.positions
    assert await partition_state(store, case_id) == before
    assert await store.command_positions(case_id, "cmd-unknown") is None

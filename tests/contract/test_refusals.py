"""A refused append writes nothing: not the log, the numbering, the heads, the case index or the id tables."""

from __future__ import annotations

import pytest

from shared.store import ConcurrencyConflict, EventStore
from shared.store.errors import InvalidAppend
from tests.contract.factory import call, calls, partition_state


async def test_conflicting_append_writes_nothing(store: EventStore) -> None:
    """An append at a stale expected version is refused with the actual version, and nothing changes."""
    case_id = "refuse-1"
    await store.append(case_id, calls(case_id, 1, 3), 0)
    before = await partition_state(store, case_id)
    with pytest.raises(ConcurrencyConflict) as refused:
        await store.append(case_id, calls(case_id, 2, 2), 1, command_id="cmd-stale")
    assert (refused.value.expected, refused.value.actual) == (1, 3)
    assert await partition_state(store, case_id) == before
    with pytest.raises(ConcurrencyConflict) as ahead:
        await store.append(case_id, [call(case_id, 6)], 5)
    assert (ahead.value.expected, ahead.value.actual) == (5, 3)
    assert await partition_state(store, case_id) == before


async def test_bad_chain_link_writes_nothing(store: EventStore) -> None:
    """An append at the right version whose prev is not the case's head is refused: the chain cannot fork."""
    case_id = "refuse-2"
    await store.append(case_id, calls(case_id, 1, 2), 0)
    before = await partition_state(store, case_id)
    with pytest.raises(ConcurrencyConflict) as refused:
        await store.append(case_id, calls(case_id, 3, 2), 2, head_hash="f" * 64, command_id="cmd-forked")
    assert (refused.value.expected, refused.value.actual) == (2, 2)
    assert await partition_state(store, case_id) == before
    version, head = await store.head(case_id)
    result = await store.append(case_id, calls(case_id, 3, 1), version, head_hash=head)
    assert result.version == 3  # the right head is accepted, so the refusal above was the link


async def test_events_not_fitting_the_case_are_refused_before_redis(store: EventStore) -> None:
    """Events of another case or with wrong version numbers are refused by name, and nothing is written."""
    case_id = "refuse-3"
    await store.append(case_id, calls(case_id, 1, 1), 0)
    before = await partition_state(store, case_id)
    with pytest.raises(InvalidAppend, match="belongs to case other"):
        await store.append(case_id, [call("other", 2)], 1)
    with pytest.raises(InvalidAppend, match="case_version 4, expected 3"):
        await store.append(case_id, [call(case_id, 2), call(case_id, 4)], 1)
    with pytest.raises(InvalidAppend, match="at least one event"):
        await store.append(case_id, [], 1)
    assert await partition_state(store, case_id) == before

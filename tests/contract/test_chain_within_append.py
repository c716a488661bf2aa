"""Inside one append the chain is checked link by link: a 2nd..nth event not following the one before is refused."""

from __future__ import annotations

from typing import Any

import pytest

from shared.redis_client import text
from shared.store import AppendRequest, EventStore
from shared.store.chain import link
from tests.contract.factory import calls, partition_state

PREV = 1
"""Offset of an event's ``prev`` in its four script arguments (event id, prev, hash, JSON)."""


async def _script_call(store: EventStore, case_id: str, first_version: int, count: int) -> tuple[list[str], list[Any]]:
    """The append script's keys and arguments for ``count`` new events, built as the store builds them."""
    version, head = await store.head(case_id)
    assert version == first_version - 1
    request = AppendRequest(case_id, calls(case_id, first_version, count), version)
    keys, args = store._append_call(request, head)
    return keys, list(args)


def _fork_at(args: list[Any], n: int) -> None:
    """Make the ``n``-th event (1-based) claim the same predecessor as the one before it, rehashed to match."""
    at, before = 4 + (n - 1) * 4, 4 + (n - 2) * 4
    forked_prev = args[before + PREV]
    args[at + PREV] = forked_prev
    args[at + PREV + 1] = link(str(forked_prev), args[at + 3])
    for later in range(at + 4, len(args), 4):  # the events after it follow it, so only one link is broken
        args[later + PREV] = args[later - 4 + PREV + 1]
        args[later + PREV + 1] = link(str(args[later + PREV]), args[later + 3])


@pytest.mark.parametrize(("prior", "count", "forked"), [(0, 2, 2), (0, 3, 3), (2, 3, 2), (2, 4, 4)])
async def test_a_later_event_not_linking_to_the_one_before_is_refused(
    store: EventStore, prior: int, count: int, forked: int
) -> None:
    """An append whose ``forked``-th event does not link to its predecessor is a conflict, and nothing is written."""
    case_id = f"link-{prior}-{count}-{forked}"
    if prior:
        await store.append(case_id, calls(case_id, 1, prior), 0)
    version, head = await store.head(case_id)
    keys, args = await _script_call(store, case_id, prior + 1, count)
    _fork_at(args, forked)
    before = await partition_state(store, case_id)
    reply = await store._append(keys=keys, args=args)
    assert [text(part) for part in reply] == ["conflict", str(version), head]
    assert await partition_state(store, case_id) == before


async def test_the_same_call_with_every_link_intact_is_recorded(store: EventStore) -> None:
    """The arguments built above, left unbroken, are accepted: the refusals are the broken link's alone."""
    case_id = "link-intact"
    keys, args = await _script_call(store, case_id, 1, 3)
    reply = await store._append(keys=keys, args=args)
    assert text(reply[0]) == "ok"
    assert len(reply) == 4
    assert await store.head(case_id) == (3, str(args[-2]))

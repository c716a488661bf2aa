"""Writers racing on one case: exactly one wins each version, nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import itertools

from shared.store import AppendResult, ConcurrencyConflict, EventStore
from shared.store.audit import verify
from shared.store.chain import GENESIS
from tests.contract.factory import call, calls


async def _log_length(store: EventStore, partition: int) -> int:
    return int(await store.redis.xlen(store.keys(partition).log))


async def test_racing_writers_one_wins(store: EventStore) -> None:
    """20 appends at the same expected version: one is recorded, 19 get a conflict naming both versions."""
    case_id = "race-1"
    await store.append(case_id, calls(case_id, 1, 3), 0)
    _, head = await store.head(case_id)
    contenders = [call(case_id, 4, note=f"writer {i}") for i in range(20)]
    # Every writer holds the same (current) head, so only the version check can tell them apart.
    results = await asyncio.gather(
        *(store.append(case_id, [event], 3, head_hash=head) for event in contenders), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, AppendResult)]
    lost = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert len(won) == 1
    assert len(lost) == 19
    for conflict in lost:
        assert (conflict.case_id, conflict.expected, conflict.actual) == (case_id, 3, 4)
        assert "expected version 3" in str(conflict)
        assert "at version 4" in str(conflict)
    winner = contenders[results.index(won[0])]
    recorded = await store.read_case(case_id)
    assert [entry.head()[1] for entry in recorded] == [1, 2, 3, 4]
    assert recorded[-1].event() == winner
    assert won[0].positions == (recorded[-1].position,)
    partition = store.partition_of(case_id)
    assert await _log_length(store, partition) == 4
    assert await store.numbered(partition) == 4
    assert await store.head(case_id) == (4, recorded[-1].hash)


async def test_hot_case_retry_loop(store: EventStore) -> None:
    """16 writers each append 25 events to one case, retrying on conflict: exactly 400, in order, chained."""
    case_id = "hot-case"
    conflicts = 0

    async def writer(w: int) -> list[str]:
        nonlocal conflicts
        mine: list[str] = []
        while len(mine) < 25:
            version, head = await store.head(case_id)
            event = call(case_id, version + 1, note=f"w{w} #{len(mine)}")
            try:
                await store.append(case_id, [event], version, head_hash=head)
            except ConcurrencyConflict:
                conflicts += 1
                continue
            mine.append(event.event_id)
        return mine

    written = await asyncio.gather(*(writer(w) for w in range(16)))
    recorded = await store.read_case(case_id)
    assert [entry.head()[1] for entry in recorded] == list(range(1, 401))
    assert sorted(entry.head()[2] for entry in recorded) == sorted(e for ids in written for e in ids)
    assert recorded[0].prev == GENESIS
    assert all(later.prev == earlier.hash for earlier, later in itertools.pairwise(recorded))
    assert conflicts > 0  # the writers did contend; otherwise this proves nothing about the race
    report = await verify(store)
    assert report.breaches == []
    assert report.events == 400
    assert report.heads == {case_id: (400, recorded[-1].hash)}
    assert await store.numbered(store.partition_of(case_id)) == 400

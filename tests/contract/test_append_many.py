"""append_many: a pipelined batch of independent appends, each with append's guarantees and its own result."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.events import AnyEvent, encode_event
from shared.store import AppendRequest, AppendResult, ConcurrencyConflict, EventStore, InvalidAppend
from shared.store.audit import verify
from shared.store.chain import GENESIS, link
from tests.contract.factory import call, calls


async def _case_state(store: EventStore, case_id: str, events: list[AnyEvent], command_id: str = "") -> Any:
    """What an append of ``events`` (by ``command_id``) to the case would change."""
    k = store.keys(store.partition_of(case_id))
    r = store.redis
    return (
        await r.hget(k.heads, case_id),
        await r.lrange(k.case(case_id), 0, -1),
        [await r.hget(k.eids, e.event_id) for e in events],
        await r.hget(k.cmds, command_id) if command_id else None,
    )


def _head_after(head: str, events: list[AnyEvent]) -> str:
    for event in events:
        head = link(head, encode_event(event))
    return head


async def test_many_independent_appends_all_recorded(store: EventStore) -> None:
    """300 appends over 150 cases in one call: each recorded in order, every chain and numbering verifies."""
    requests = [AppendRequest(f"batch-{i}", calls(f"batch-{i}", 1, 1 + i % 3), 0) for i in range(150)]
    results = await store.append_many(requests)
    assert all(isinstance(r, AppendResult) and not r.duplicate for r in results)
    # A second round on the same cases, heads left for the store to read.
    follow = [AppendRequest(r.case_id, [call(r.case_id, 2 + i % 3)], 1 + i % 3) for i, r in enumerate(requests)]
    again = await store.append_many(follow)
    for i, (request, result) in enumerate(zip(follow, again, strict=True)):
        assert isinstance(result, AppendResult)
        assert (result.case_id, result.version, len(result.positions)) == (request.case_id, 2 + i % 3, 1)
    for i in (0, 1, 2, 77, 149):
        case_id = f"batch-{i}"
        recorded = await store.read_case(case_id)
        assert [e.head()[1] for e in recorded] == list(range(1, 3 + i % 3))
        assert [e.event() for e in recorded] == [*requests[i].events, *follow[i].events]
    report = await verify(store)
    assert report.ok, report.breaches
    assert report.events == sum(len(r.events) for r in requests) + len(follow)


async def test_refusals_are_per_append_and_write_nothing(store: EventStore) -> None:
    """Conflict, invalid versions, partial duplicate, retry and resent command each get their own answer."""
    first = calls("m-dup", 1, 2)
    partial_base = calls("m-partial", 1, 2)
    await store.append("m-dup", first, 0)
    cmd_first = await store.append("m-cmd", calls("m-cmd", 1, 1), 0, command_id="cmd-7")
    await store.append("m-partial", partial_base, 0)
    await store.append("m-conflict", calls("m-conflict", 1, 2), 0)
    stale = [call("m-conflict", 2)]
    bad_version = [call("m-invalid", 3)]
    mixed = [call("m-partial", 3, event_id=partial_base[1].event_id), call("m-partial", 4)]
    fresh = calls("m-ok", 1, 2)
    before = {
        "m-conflict": await _case_state(store, "m-conflict", stale),
        "m-invalid": await _case_state(store, "m-invalid", bad_version),
        "m-partial": await _case_state(store, "m-partial", mixed),
    }
    results = await store.append_many([
        AppendRequest("m-conflict", stale, 1),
        AppendRequest("m-ok", fresh, 0),
        AppendRequest("m-invalid", bad_version, 0),
        AppendRequest("m-dup", first, 0),
        AppendRequest("m-cmd", calls("m-cmd", 1, 1), 0, command_id="cmd-7"),
        AppendRequest("m-partial", mixed, 2),
        AppendRequest("m-empty", [], 0),
    ])
    conflict, ok, invalid, dup, dupcmd, partial, empty = results
    assert isinstance(conflict, ConcurrencyConflict)
    assert (conflict.case_id, conflict.expected, conflict.actual) == ("m-conflict", 1, 2)
    assert isinstance(ok, AppendResult)
    assert (ok.version, ok.duplicate, len(ok.positions)) == (2, False, 2)
    assert isinstance(invalid, InvalidAppend)
    assert "case_version 3" in str(invalid)
    assert isinstance(dup, AppendResult)
    assert (dup.duplicate, dup.version) == (True, 2)
    assert [e.position for e in await store.read_case("m-dup")] == list(dup.positions)
    assert isinstance(dupcmd, AppendResult)
    assert (dupcmd.duplicate, dupcmd.positions, dupcmd.version) == (True, cmd_first.positions, 1)
    assert isinstance(partial, InvalidAppend)
    assert "already recorded" in str(partial)
    assert isinstance(empty, InvalidAppend)
    for case_id, events in (("m-conflict", stale), ("m-invalid", bad_version), ("m-partial", mixed)):
        assert await _case_state(store, case_id, events) == before[case_id]
    assert [e.event() for e in await store.read_case("m-ok")] == fresh
    report = await verify(store)
    assert report.ok, report.breaches


async def test_same_case_twice_in_one_batch(store: EventStore) -> None:
    """Two appends of one case run in order: the second expects what the first leaves; if the first is
    refused, the second is refused too."""
    one, two = calls("twice", 1, 2), calls("twice", 3, 1)
    results = await store.append_many([
        AppendRequest("twice", one, 0, head_hash=GENESIS),
        AppendRequest("twice", two, 2, head_hash=_head_after(GENESIS, one)),
    ])
    assert [r.version for r in results if isinstance(r, AppendResult)] == [2, 3]
    stale_one, stale_two = [call("twice", 2)], [call("twice", 3)]
    refused = await store.append_many([
        AppendRequest("twice", stale_one, 1),
        AppendRequest("twice", stale_two, 2, head_hash=_head_after(GENESIS, one[:1] + stale_one)),
    ])
    assert all(isinstance(r, ConcurrencyConflict) for r in refused)
    assert [e.head()[1] for e in await store.read_case("twice")] == [1, 2, 3]
    # Without head hashes, the first links to the stored head and the second to the first.
    chained = await store.append_many([
        AppendRequest("twice", [call("twice", 4)], 3), AppendRequest("twice", calls("twice", 5, 2), 4)
    ])
    assert [r.version for r in chained if isinstance(r, AppendResult)] == [4, 6]
    report = await verify(store)
    assert report.ok, report.breaches


async def test_whole_batch_resent_writes_nothing(store: EventStore) -> None:
    """A batch sent again (its connection dropped before the reply) returns the first positions as duplicates."""
    requests = [AppendRequest(f"resend-{i}", calls(f"resend-{i}", 1, 2), 0, command_id=f"c-{i}") for i in range(20)]
    first = await store.append_many(requests)
    length = sum([int(await store.redis.xlen(store.keys(p).log)) for p in range(store.partitions)])
    again = await store.append_many(requests)
    for a, b in zip(first, again, strict=True):
        assert isinstance(a, AppendResult)
        assert isinstance(b, AppendResult)
        assert (b.positions, b.version, b.duplicate) == (a.positions, 2, True)
    assert sum([int(await store.redis.xlen(store.keys(p).log)) for p in range(store.partitions)]) == length


async def test_racing_batches_one_wins_per_case(store: EventStore) -> None:
    """Eight batches racing over the same 30 cases: each case gets exactly one first event, chains verify."""
    cases = [f"race-many-{i}" for i in range(30)]
    batches = [[AppendRequest(c, [call(c, 1, note=f"writer {w}")], 0, head_hash=GENESIS) for c in cases]
               for w in range(8)]
    outcomes = await asyncio.gather(*(store.append_many(batch) for batch in batches))
    for j, case_id in enumerate(cases):
        won = [w for w in range(8) if isinstance(outcomes[w][j], AppendResult)]
        assert len(won) == 1
        assert all(isinstance(outcomes[w][j], ConcurrencyConflict) for w in range(8) if w != won[0])
        recorded = await store.read_case(case_id)
        assert [e.event() for e in recorded] == list(batches[won[0]][j].events)
    report = await verify(store)
    assert report.ok, report.breaches
    assert report.events == 30


async def test_after_script_flush_appends_still_apply_once(store: EventStore) -> None:
    """With the script cache emptied (a Redis restart), the batch loads the script and applies each append once."""
    await store.append_many([AppendRequest("flush-0", calls("flush-0", 1, 1), 0)])
    await store.redis.script_flush()
    results = await store.append_many([AppendRequest(f"flush-{i}", calls(f"flush-{i}", 1 + (i == 0), 1), int(i == 0))
                                       for i in range(5)])
    assert all(isinstance(r, AppendResult) and not r.duplicate for r in results)
    assert [len(await store.read_case(f"flush-{i}")) for i in range(5)] == [2, 1, 1, 1, 1]


async def test_read_cases_matches_read_case(store: EventStore) -> None:
    """read_cases returns, for each case asked (known or not), exactly what read_case returns."""
    for i in range(5):
        await store.append(f"rc-{i}", calls(f"rc-{i}", 1, i + 1), 0)
    wanted = ["rc-3", "rc-0", "unknown-case", "rc-4"]
    together = await store.read_cases(wanted)
    assert together == [await store.read_case(case_id) for case_id in wanted]
    assert [len(r) for r in together] == [4, 1, 0, 5]

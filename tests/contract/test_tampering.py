"""Tampering with the log (a changed byte, a deleted entry, a deleted tail, junk) is found and located."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.redis_server import free_port
from shared.store import EventStore, RecordedEvent
from shared.store.audit import Breach, verify
from shared.store.chain import GENESIS, link
from tests.contract.factory import call

CASES = 8
VERSIONS = 5


async def _fill(store: EventStore) -> tuple[int, list[RecordedEvent]]:
    """Cases written round-robin so their events interleave; the busiest partition and its log."""
    for version in range(1, VERSIONS + 1):
        for c in range(CASES):
            case_id = f"tamper-{c}"
            await store.append(case_id, [call(case_id, version)], version - 1)
    partition = max(range(store.partitions), key=lambda p: sum(store.partition_of(f"tamper-{c}") == p
                                                              for c in range(CASES)))
    log = await store.read_partition(partition, count=1000)
    assert len({entry.head()[0] for entry in log}) >= 2  # several cases interleave in this partition
    assert (await verify(store)).breaches == []
    return partition, log


def _sorted(breaches: list[Breach]) -> list[tuple[Any, ...]]:
    return sorted((b.kind, b.partition, b.position, b.number, b.case_id) for b in breaches)


async def test_one_changed_byte_is_a_hash_mismatch(single_store: EventStore, redis: Redis) -> None:
    """Re-adding the log with one byte of one event changed yields exactly one hash_mismatch naming where."""
    partition, log = await _fill(single_store)
    target = log[len(log) // 2]
    key = single_store.keys(partition).log
    entries: list[Any] = await redis.xrange(key)
    await redis.delete(key)
    for entry_id, fields in entries:
        if entry_id.decode() == target.position:
            data: bytes = fields[b"e"]
            at = data.index(b'"line":"LC-HK-1"') + len(b'"line":"LC-HK-')
            fields = {**fields, b"e": data[:at] + b"2" + data[at + 1 :]}
        await redis.xadd(key, fields, id=entry_id)
    report = await verify(single_store)
    assert _sorted(report.breaches) == [
        ("hash_mismatch", partition, target.position, target.number, target.head()[0])
    ]
    assert "altered" in report.breaches[0].detail
    assert f"partition {partition}" in str(report.breaches[0])


async def test_deleted_middle_entry_breaks_numbering_and_case(single_store: EventStore, redis: Redis) -> None:
    """XDEL of a middle entry: a number_gap where the numbering breaks and a version_gap naming its case."""
    partition, log = await _fill(single_store)
    index = next(i for i, entry in enumerate(log) if entry.head()[1] == 2)
    target = log[index]
    case_id = target.head()[0]
    next_of_case = next(entry for entry in log[index + 1 :] if entry.head()[0] == case_id)
    await redis.xdel(single_store.keys(partition).log, target.position)
    report = await verify(single_store)
    assert _sorted(report.breaches) == [
        ("number_gap", partition, log[index + 1].position, target.number, None),
        ("version_gap", partition, next_of_case.position, next_of_case.number, case_id),
    ]
    gap = next(b for b in report.breaches if b.kind == "number_gap")
    assert log[index - 1].position in gap.detail  # where the numbering was last intact
    assert f"#{target.number} is missing" in gap.detail


async def test_deleted_tail_is_a_count_shortfall(single_store: EventStore, redis: Redis) -> None:
    """XDEL of a partition's last entry: tail_missing for the partition and head_mismatch for its case."""
    partition, log = await _fill(single_store)
    tail = log[-1]
    await redis.xdel(single_store.keys(partition).log, tail.position)
    report = await verify(single_store)
    assert _sorted(report.breaches) == [
        ("head_mismatch", partition, None, None, tail.head()[0]),
        ("tail_missing", partition, None, tail.number, None),
    ]
    counts = {c.partition: c for c in report.counts}
    assert (counts[partition].entries, counts[partition].numbered) == (len(log) - 1, len(log))


async def test_junk_entries_are_breaches_not_crashes(single_store: EventStore, redis: Redis) -> None:
    """Entries not written by the append script (a missing field, JSON that does not decode) are reported."""
    partition, log = await _fill(single_store)
    key = single_store.keys(partition).log
    number = len(log)
    missing = await redis.xadd(key, {"n": number + 1, "prev": GENESIS, "hash": GENESIS})
    garbage = b'{"case_id": tampered'
    undecodable = await redis.xadd(key, {"n": number + 2, "prev": GENESIS, "hash": link(GENESIS, garbage),
                                         "e": garbage})
    report = await verify(single_store)
    assert _sorted(report.breaches) == [
        ("count_mismatch", partition, None, number + 1, None),
        ("unreadable", partition, missing.decode(), number + 1, None),
        ("unreadable", partition, undecodable.decode(), number + 2, None),
    ]
    assert "lacks field(s) e" in next(b.detail for b in report.breaches if b.position == missing.decode())


async def test_rehashed_event_breaks_the_next_link(single_store: EventStore, redis: Redis) -> None:
    """A changed event whose hash was recomputed too still shows: its case's next event no longer links to it."""
    partition, log = await _fill(single_store)
    index = next(i for i, entry in enumerate(log) if entry.head()[1] == 3)
    target = log[index]
    case_id = target.head()[0]
    next_of_case = next(entry for entry in log[index + 1 :] if entry.head()[0] == case_id)
    key = single_store.keys(partition).log
    entries: list[Any] = await redis.xrange(key)
    await redis.delete(key)
    for entry_id, fields in entries:
        if entry_id.decode() == target.position:
            data = fields[b"e"].replace(b'"line":"LC-HK-1"', b'"line":"LC-HK-9"')
            fields = {**fields, b"e": data, b"hash": link(target.prev, data)}
        await redis.xadd(key, fields, id=entry_id)
    report = await verify(single_store)
    assert _sorted(report.breaches) == [
        ("broken_link", partition, next_of_case.position, next_of_case.number, case_id)
    ]


async def test_a_shortened_case_index_is_reported(single_store: EventStore, redis: Redis) -> None:
    """A case index that lost an entry (reads of the case would miss an event) is an index_mismatch."""
    partition, log = await _fill(single_store)
    case_id = log[0].head()[0]
    await redis.rpop(single_store.keys(partition).case(case_id))
    report = await verify(single_store)
    assert _sorted(report.breaches) == [("index_mismatch", partition, None, None, case_id)]
    assert (await verify(single_store, check_index=False)).breaches == []


async def test_a_deleted_log_leaves_counter_and_heads_as_evidence(single_store: EventStore, redis: Redis) -> None:
    """DEL of a whole partition log: tail_missing for every numbered entry and case_missing for each of its cases."""
    partition, log = await _fill(single_store)
    cases = sorted({entry.head()[0] for entry in log})
    await redis.delete(single_store.keys(partition).log)
    report = await verify(single_store)
    assert _sorted(report.breaches) == sorted(
        [("tail_missing", partition, None, 1, None)]
        + [("case_missing", partition, None, None, case_id) for case_id in cases]
    )
    assert f"#1..#{len(log)} were deleted" in next(b.detail for b in report.breaches if b.kind == "tail_missing")


async def test_an_empty_store_verifies(single_store: EventStore) -> None:
    """A store with no events has nothing to prove: zero events, zero cases, no breach."""
    report = await verify(single_store)
    assert (report.events, report.cases, report.breaches) == (0, 0, [])
    assert [c.numbered for c in report.counts] == [0] * single_store.partitions


async def test_a_key_of_the_wrong_type_is_a_breach(single_store: EventStore, redis: Redis) -> None:
    """A heads hash replaced by a string cannot be read: an unreadable breach for that partition, not a crash."""
    partition, _ = await _fill(single_store)
    heads = single_store.keys(partition).heads
    await redis.delete(heads)
    await redis.set(heads, "junk")
    report = await verify(single_store)
    assert [(b.kind, b.partition) for b in report.breaches] == [("unreadable", partition)]
    assert "WRONGTYPE" in report.breaches[0].detail


async def test_a_lost_connection_is_an_error_not_a_breach(single_store: EventStore) -> None:
    """When Redis cannot be reached the audit raises, so an outage is never reported as tampering."""
    await _fill(single_store)
    unreachable = Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))
    with pytest.raises(RedisConnectionError):
        await verify(EventStore(unreachable, single_store.partitions))
    await unreachable.aclose()

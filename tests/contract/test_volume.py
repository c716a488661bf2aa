"""10k appends over many cases, concurrently: every chain verifies and every case reads back in order."""

from __future__ import annotations

import asyncio
from collections import Counter

from shared.store import EventStore, RecordedEvent
from shared.store.audit import verify
from tests.contract.factory import call

CASES = 500
APPENDS_PER_CASE = 20
WRITERS = 50


async def test_ten_thousand_appends_verify_and_read_back(store: EventStore) -> None:
    """10,000 appends by 50 concurrent writers over 500 cases leave no breach and read back exactly as written."""
    written: dict[str, list[str]] = {}

    async def writer(w: int) -> None:
        mine = [f"vol-{c:04d}" for c in range(w, CASES, WRITERS)]
        for case_id in mine:
            written[case_id] = []
        for version in range(1, APPENDS_PER_CASE + 1):
            for case_id in mine:
                event = call(case_id, version)
                await store.append(case_id, [event], version - 1)
                written[case_id].append(event.event_id)

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    seen: list[int] = []
    report = await verify(store, progress=seen.append)
    assert report.breaches == []
    assert report.events == CASES * APPENDS_PER_CASE
    assert report.cases == CASES
    assert seen[-1] == report.events
    assert seen == sorted(seen)
    per_partition = Counter(store.partition_of(case_id) for case_id in written)
    for count in report.counts:
        expected = per_partition[count.partition] * APPENDS_PER_CASE
        assert count.entries == count.numbered == expected
        assert count.cases == per_partition[count.partition]
        assert await store.numbered(count.partition) == expected
        assert await store.redis.xlen(store.keys(count.partition).log) == expected
    assert sum(count.entries for count in report.counts) == CASES * APPENDS_PER_CASE
    gate = asyncio.Semaphore(32)  # redis-py's pool refuses (not queues) past 100 connections

    async def read(case_id: str) -> list[RecordedEvent]:
        async with gate:
            return await store.read_case(case_id)

    reads = await asyncio.gather(*(read(case_id) for case_id in written))
    for case_id, recorded in zip(written, reads, strict=True):
        assert [entry.head()[1] for entry in recorded] == list(range(1, APPENDS_PER_CASE + 1))
        assert [entry.head()[2] for entry in recorded] == written[case_id]
        assert report.heads[case_id] == (APPENDS_PER_CASE, recorded[-1].hash)
    heads = {}
    for partition in range(store.partitions):
        heads.update(await store.heads(partition))
    assert heads == report.heads


async def test_verify_while_writers_append(store: EventStore) -> None:
    """An audit taken while writers keep appending sees a consistent snapshot: no false breach."""
    stop = asyncio.Event()
    appended = 0

    async def writer(w: int) -> None:
        nonlocal appended
        version = 0
        while not stop.is_set():
            for c in range(4):  # a few cases per writer, so heads and counters move in every partition
                case_id = f"live-{w}-{c}"
                await store.append(case_id, [call(case_id, version + 1)], version)
                appended += 1
            version += 1

    writers = [asyncio.create_task(writer(w)) for w in range(8)]
    try:
        reports = []
        while len(reports) < 5:
            reports.append(await verify(store))
        assert appended > 0
    finally:
        stop.set()
        await asyncio.gather(*writers)
    assert [r.breaches for r in reports] == [[]] * 5
    assert reports[-1].events >= reports[0].events
    assert (await verify(store)).events == appended

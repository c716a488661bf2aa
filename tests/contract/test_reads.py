"""Reads: a partition paged from a position, the heads and counts, a case from a version."""

from __future__ import annotations

from shared.store import EventStore
from shared.store.chain import GENESIS
from tests.contract.factory import call, calls


def _cases_in(store: EventStore, partition: int, count: int) -> list[str]:
    """``count`` case ids that live in ``partition``."""
    found: list[str] = []
    i = 0
    while len(found) < count:
        case_id = f"read-{i}"
        if store.partition_of(case_id) == partition:
            found.append(case_id)
        i += 1
    return found


async def test_read_partition_pages_from_a_position(store: EventStore) -> None:
    """Paging a partition with ``after`` = the last position read yields every entry once, in log order."""
    a, b = _cases_in(store, 1, 2)
    for version in range(1, 8):
        await store.append(a, [call(a, version)], version - 1)
        await store.append(b, [call(b, version)], version - 1)
    pages: list[list[str]] = []
    after = "0"
    while page := await store.read_partition(1, after=after, count=3):
        pages.append([entry.position for entry in page])
        after = page[-1].position
    assert [len(page) for page in pages] == [3, 3, 3, 3, 2]
    everything = await store.read_partition(1, count=100)
    assert [p for page in pages for p in page] == [entry.position for entry in everything]
    assert [entry.number for entry in everything] == list(range(1, 15))
    middle = everything[5].position
    assert [entry.number for entry in await store.read_partition(1, after=middle, count=2)] == [7, 8]
    assert await store.read_partition(1, after=everything[-1].position) == []
    assert await store.read_partition(0) == []


async def test_heads_and_numbered(store: EventStore) -> None:
    """heads() gives each case's version and last hash, numbered() each partition's entry count."""
    a, b = _cases_in(store, 2, 2)
    await store.append(a, calls(a, 1, 3), 0)
    await store.append(b, calls(b, 1, 2), 0)
    heads = await store.heads(2)
    log = await store.read_partition(2)
    assert heads == {a: (3, log[2].hash), b: (2, log[4].hash)}
    assert await store.head(a) == (3, log[2].hash)
    assert await store.head("never-written") == (0, GENESIS)
    assert [await store.numbered(p) for p in range(store.partitions)] == [0, 0, 5, 0]
    assert await store.heads(0) == {}


async def test_read_case_from_version(store: EventStore) -> None:
    """read_case returns the case's events in version order, from the version asked for."""
    case_id = "read-case-7"
    await store.append(case_id, calls(case_id, 1, 2), 0)
    await store.append(case_id, calls(case_id, 3, 4), 2)
    whole = await store.read_case(case_id)
    assert [entry.event().case_version for entry in whole] == [1, 2, 3, 4, 5, 6]
    assert [entry.prev for entry in whole[1:]] == [entry.hash for entry in whole[:-1]]
    assert whole[0].prev == GENESIS
    tail = await store.read_case(case_id, from_version=4)
    assert [entry.head()[1] for entry in tail] == [4, 5, 6]
    assert tail == whole[3:]
    assert await store.read_case(case_id, from_version=7) == []
    assert await store.read_case("no-such-case") == []

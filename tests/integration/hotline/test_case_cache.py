"""The hotline's case cache against real Redis when another process appends to a case it holds."""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis

from services.hotline.cases import CaseCache
from services.hotline.domain import decide, fold
from shared.store import EventStore, RecordedEvent, pipelined
from tests.unit.hotline.reports import command, log_call, send_letter

CASE = "HL-CACHE"


async def _append_letter(store: EventStore, n: int) -> None:
    """Another process's append: a letter decided on the case as the store holds it."""
    state = fold(CASE, [entry.event() for entry in await store.read_case(CASE)])
    letter = command(send_letter(f"other-{n}", case_id=CASE, reference=f"OTHER-{n}"))
    await store.append(CASE, decide(letter, state, datetime.now(UTC)), state.version, command_id=letter.command_id)


async def _whole(store: EventStore) -> tuple[object, str]:
    recorded = await store.read_case(CASE)
    return fold(CASE, [entry.event() for entry in recorded]), recorded[-1].hash


async def test_a_case_moved_by_another_process_is_extended_with_its_new_events(store: EventStore) -> None:
    """A cached case whose head moved reads only the newer events and ends exactly where a whole read does."""
    opening = command(log_call("open", case_id=CASE))
    await store.append(CASE, decide(opening, fold(CASE, []), datetime.now(UTC)), 0, command_id=opening.command_id)
    cache = CaseCache(store, max_cases=10)
    await cache.load_many({CASE: await store.head(CASE)})
    for n in range(3):
        await _append_letter(store, n)
    reads: list[list[int]] = []
    original = store.read_cases

    async def spy(case_ids: list[str], from_versions: list[int] | None = None) -> object:
        reads.append(list(from_versions or [1] * len(case_ids)))
        return await original(case_ids, from_versions)

    store.read_cases = spy  # type: ignore[method-assign,assignment]
    loaded = (await cache.load_many({CASE: await store.head(CASE)}))[CASE]
    state, head_hash = await _whole(store)
    assert (loaded.state, loaded.head_hash) == (state, head_hash)
    assert reads == [[2]]  # one read, from the first event the cache had not seen


async def test_a_cached_case_the_log_does_not_extend_is_read_whole(store: EventStore, redis: Redis) -> None:
    """When the store was emptied and refilled with another history, the cached state is not extended."""
    opening = command(log_call("open", case_id=CASE))
    await store.append(CASE, decide(opening, fold(CASE, []), datetime.now(UTC)), 0, command_id=opening.command_id)
    cache = CaseCache(store, max_cases=10)
    await cache.load_many({CASE: await store.head(CASE)})
    await redis.flushall()
    store = await EventStore.create(redis, store.partitions)
    other = command(log_call("other opening", case_id=CASE))
    await store.append(CASE, decide(other, fold(CASE, []), datetime.now(UTC)), 0, command_id=other.command_id)
    await _append_letter(store, 0)
    cache.store = store
    loaded = (await cache.load_many({CASE: await store.head(CASE)}))[CASE]
    state, head_hash = await _whole(store)
    assert (loaded.state, loaded.head_hash) == (state, head_hash)


async def _prefetched(store: EventStore, cache: CaseCache) -> dict[str, tuple[int, list[RecordedEvent]]]:
    """What the batch lookup reads for the case: ``read_case_command`` from the cache's next version."""
    start = cache.next_version(CASE)
    [reply] = await pipelined.checked(store.redis, [store.read_case_command(CASE, start)])
    recorded = store.read_case_reply(CASE, reply)
    assert recorded is not None
    return {CASE: (start, recorded)}


def _no_reads(store: EventStore) -> None:
    async def spy(case_ids: list[str], from_versions: list[int] | None = None) -> object:
        if case_ids:
            raise AssertionError(f"read again: {case_ids}")
        return []

    store.read_cases = spy  # type: ignore[method-assign,assignment]


async def test_prefetched_events_bring_a_moved_or_unknown_case_to_its_head_without_a_read(store: EventStore) -> None:
    """Events read in the batch lookup (past the cached state, or the whole case when none is cached) serve a case
    whose head moved, with no read of its own, and end exactly where a whole read does."""
    opening = command(log_call("open", case_id=CASE))
    await store.append(CASE, decide(opening, fold(CASE, []), datetime.now(UTC)), 0, command_id=opening.command_id)
    cache, stranger = CaseCache(store, max_cases=10), CaseCache(store, max_cases=10)
    await cache.load_many({CASE: await store.head(CASE)})
    for n in range(2):
        await _append_letter(store, n)
    read, whole = await _prefetched(store, cache), await _prefetched(store, stranger)
    assert (read[CASE][0], len(read[CASE][1]), whole[CASE][0], len(whole[CASE][1])) == (2, 2, 1, 3)
    _no_reads(store)
    head = await store.head(CASE)
    state, head_hash = await _whole(store)
    for loader, prefetched in ((cache, read), (stranger, whole)):
        loaded = (await loader.load_many({CASE: head}, prefetched))[CASE]
        assert (loaded.state, loaded.head_hash) == (state, head_hash)


async def test_prefetched_events_that_miss_the_head_are_not_trusted(store: EventStore) -> None:
    """When the case moved between the read and the head (another append in between), the read does not serve: the
    case is read again and ends at the head."""
    opening = command(log_call("open", case_id=CASE))
    await store.append(CASE, decide(opening, fold(CASE, []), datetime.now(UTC)), 0, command_id=opening.command_id)
    cache = CaseCache(store, max_cases=10)
    await cache.load_many({CASE: await store.head(CASE)})
    await _append_letter(store, 0)
    stale = await _prefetched(store, cache)
    await _append_letter(store, 1)
    loaded = (await cache.load_many({CASE: await store.head(CASE)}, stale))[CASE]
    state, head_hash = await _whole(store)
    assert (loaded.state, loaded.head_hash) == (state, head_hash)
    assert loaded.state.version == 3

"""The hotline's case cache against real Redis when another process appends to a case it holds."""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis

from services.hotline.cases import CaseCache
from services.hotline.domain import decide, fold
from shared.store import EventStore
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

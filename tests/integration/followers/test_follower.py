"""The log follower against a real Redis: isolation per entry, retries, parking, ordering per case, worn-out entries."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from shared.follow import Batch, Follower, Outcome, parked_key, per_entry
from shared.follow.parking import parked_count_key
from shared.store import EventStore
from tests.integration.followers.helpers import GROUP, Recorder, add, case_of, following, label_of, pending
from tests.integration.projections.helpers import eventually

P = 0


def _follower(store: EventStore, handler: Callable[[Batch], Awaitable[Outcome | None]], **kwargs: object) -> Follower:
    settings: dict[str, object] = {"block_ms": 50, "reclaim_idle_ms": 5_000, "max_deliveries": 3} | kwargs
    return Follower(store.redis, store, GROUP, "c1", handler, partitions=[P], key=case_of, **settings)  # type: ignore[arg-type]


async def _settled(store: EventStore, recorder: Recorder, count: int) -> None:
    async def done() -> bool:
        return len(recorder.handled) >= count and await pending(store, P) == 0

    await eventually(done, 10, f"{count} entries handled and nothing pending")


async def _parked(store: EventStore) -> dict[str, dict[str, object]]:
    raw = await store.redis.hgetall(parked_key(store, P, GROUP))
    return {k.decode(): json.loads(v) for k, v in raw.items()}


async def test_an_entry_that_raises_once_is_retried_while_the_others_are_acked_at_once(store: EventStore) -> None:
    """The entry that failed once is handled on its second delivery; its neighbours on their first; nothing parked."""
    for label in "abcd":
        await add(store, P, label)
    recorder = Recorder(fails={"b": 1})
    async with following(_follower(store, per_entry(recorder, case_of))):
        await _settled(store, recorder, 4)
    assert sorted((label, deliveries) for label, deliveries, _ in recorder.handled) == [
        ("a", 1), ("b", 2), ("c", 1), ("d", 1)
    ]
    assert await _parked(store) == {}


async def test_an_entry_that_always_raises_is_parked_with_its_reason_and_counted(store: EventStore) -> None:
    """After max_deliveries the entry is parked (reason, deliveries, metric); the others were handled at once."""
    positions = {label: await add(store, P, label) for label in "abcd"}
    recorder = Recorder(fails={"b": float("inf")})
    follower = _follower(store, per_entry(recorder, case_of))
    recorder.follower = follower
    async with following(follower):
        await _settled(store, recorder, 3)
    assert [(label, deliveries) for label, deliveries, _ in recorder.handled] == [("a", 1), ("c", 1), ("d", 1)]
    parked = await _parked(store)
    assert list(parked) == [positions["b"]]
    record = parked[positions["b"]]
    assert (record["reason"], record["deliveries"]) == ("RuntimeError: cannot handle b", 3)
    assert await store.redis.hget(parked_count_key(store, P), GROUP) == b"1"
    assert follower.parking.parked == 1


async def test_later_entries_of_a_poisoned_case_wait_behind_it_and_other_cases_flow(store: EventStore) -> None:
    """Entries of the poisoned case are handled in log order only once the poison is parked; others at once."""
    await add(store, P, "a1", "A")
    await add(store, P, "b1", "B")
    await add(store, P, "b2", "B")
    await add(store, P, "c1", "C")
    recorder = Recorder(fails={"b1": float("inf")})
    follower = _follower(store, per_entry(recorder, case_of), max_deliveries=4)
    recorder.follower = follower
    async with following(follower):

        async def failed_once() -> bool:
            return follower.stats.retried >= 1

        await eventually(failed_once, 10, "the poison to fail once")
        await add(store, P, "b3", "B")  # read while the poison waits for its retry
        await add(store, P, "c2", "C")
        await _settled(store, recorder, 5)
    by_label = {label: (deliveries, parked) for label, deliveries, parked in recorder.handled}
    assert [label for label in recorder.labels() if label.startswith("b")] == ["b2", "b3"]
    assert by_label["b2"][1] == by_label["b3"][1] == 1, "the poison's case went on only once it was parked"
    assert by_label["a1"][0] == by_label["c1"][0] == by_label["c2"][0] == 1, "other cases on their first delivery"


async def test_a_batch_handler_that_raises_has_its_entries_handed_one_at_a_time(store: EventStore) -> None:
    """A batch handler raising for one entry: the others are handled once each, the bad one alone is parked."""
    for label in "abc":
        await add(store, P, label)
    seen: list[tuple[str, int]] = []

    async def whole_batch(batch: Batch) -> None:
        if any(label_of(e) == "b" for e in batch.entries):
            raise ValueError("b is in this batch")
        seen.extend((label_of(e), e.deliveries) for e in batch.entries)

    async with following(_follower(store, whole_batch)) as follower:

        async def done() -> bool:
            return follower.parking.parked == 1 and await pending(store, P) == 0

        await eventually(done, 10, "b parked and the rest acked")
    assert seen == [("a", 1), ("c", 1)]
    assert [record["reason"] for record in (await _parked(store)).values()] == ["ValueError: b is in this batch"]


async def test_an_entry_consumers_keep_dying_on_is_parked_without_being_handed(store: EventStore) -> None:
    """An entry delivered more than give_up_after times (its consumers died on it) is parked, never handled."""
    await Follower(store.redis, store, GROUP, "setup", per_entry(Recorder()), partitions=[P]).ensure_groups()
    position = await add(store, P, "deadly")
    log = store.keys(P).log
    await store.redis.xreadgroup(GROUP, "crashed", {log: ">"}, count=1)
    await store.redis.xclaim(log, GROUP, "crashed", 0, [position], retrycount=5)
    recorder = Recorder()
    async with following(_follower(store, per_entry(recorder, case_of), reclaim_idle_ms=20, give_up_after=4)):

        async def parked() -> bool:
            return position in await _parked(store) and await pending(store, P) == 0

        await eventually(parked, 10, "the worn-out entry parked")
    assert recorder.handled == []
    assert "without being finished" in str((await _parked(store))[position]["reason"])

"""One poison entry among good ones of the same batch, for both readers of the logs (projections, hotline events):
an unknown event type, a handler that raises once, one that always raises. Good entries are finished on their
first delivery, in the batch they came in; only the one that always raises is parked, with its reason."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from liaison.operate.parked import run as liaison_parked
from services.incidents.calls import incident_command_id
from services.incidents.config import IncidentsConfig
from services.incidents.hotline_events import HotlineEvents, case_of
from services.projections.queries import backlog
from services.projections.worker import Worker
from shared.access.signatures import REGISTRY_CASE
from shared.events import AnyEvent, HotlineCallLogged, LetterSent
from shared.follow import Batch, Delivery, Outcome, parked_key, per_entry
from shared.readmodel import fold as views
from shared.readmodel.queries import get_view
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.incidents.test_talk_through_events import _call
from tests.integration.projections.helpers import append_all, eventually, expected, fast_worker, running
from tests.signing import KEYS
from tests.unit.projections.factory import CaseBuilder, busy_case


async def _append_unknown(store: EventStore, event: AnyEvent, kind: str = "LetterTranslated") -> str:
    """Log ``event`` as a type this code does not know (a newer writer's), indexed as its case's next version."""
    data = json.loads(msgspec.json.encode(event)) | {"type": kind}
    p = store.partition_of(event.case_id)
    k = store.keys(p)
    entry_id: bytes = await store.redis.xadd(
        k.log, {"n": "1", "prev": "0" * 64, "hash": "0" * 64, "e": json.dumps(data)}
    )
    await store.redis.rpush(k.case(event.case_id), entry_id)
    await store.redis.hset(k.heads, event.case_id, f"{event.case_version} " + "0" * 64)
    return entry_id.decode()


def _fold_fails(monkeypatch: pytest.MonkeyPatch, event_id: str, times: float) -> None:
    """The LetterSent rule raises on one event, ``times`` times."""
    kind, rule = views._RULES[LetterSent]
    left = [times]

    def flaky(draft: Any, event: Any) -> None:
        if event.event_id == event_id and left[0] > 0:
            left[0] -= 1
            raise RuntimeError("fold bug: this letter cannot be folded")
        rule(draft, event)

    monkeypatch.setitem(views._RULES, LetterSent, (kind, flaky))


def _record_acks(worker: Worker) -> dict[tuple[int, str], int]:
    """Wrap the worker's handler: (partition, position) -> the delivery on which its batch acked it."""
    acked_on: dict[tuple[int, str], int] = {}
    handle = worker.projector.handle

    async def recording(batch: Batch) -> Outcome:
        outcome = await handle(batch)
        done = [d for d in batch.entries if d.position in outcome.acked]
        acked_on.update(((batch.partition, d.position), d.deliveries) for d in done)
        return outcome

    worker.follower.handler = recording
    return acked_on


async def _positions(store: EventStore, cases: list[CaseBuilder]) -> set[tuple[int, str]]:
    return {(r.partition, r.position) for case in cases for r in await store.read_case(case.case_id)}


async def _projected(store: EventStore, worker: Worker, parked: int) -> None:
    async def done() -> bool:
        return await backlog(store.redis, store) == 0 and worker.projector.stats.parked == parked

    await eventually(done, 15, f"the backlog at 0 with {parked} parked")


async def test_projections_an_unknown_event_type_is_folded_as_other(store: EventStore) -> None:
    """An event of an unknown type counts as ``other`` in its view; nothing is parked; every entry acked at once."""
    good = [busy_case(f"good-{i}") for i in range(4)]
    odd = CaseBuilder("case-odd")
    odd.call()
    await append_all(store, [*good, odd])
    newer = CaseBuilder("case-odd")
    newer.version = 1
    unknown = await _append_unknown(store, newer.letter_sent())
    worker = fast_worker(store, "w1", max_deliveries=3, give_up_after=1000)
    acked_on = _record_acks(worker)
    async with running(worker):
        await _projected(store, worker, parked=0)
    registry = {(r.partition, r.position) for r in await store.read_case(REGISTRY_CASE)}  # the keys' registrations
    odd_at = (store.partition_of("case-odd"), unknown)
    assert set(acked_on) == await _positions(store, [*good, odd]) | {odd_at} | registry
    assert set(acked_on.values()) == {1}
    view = await get_view(store.redis, store, "case-odd")
    assert view is not None
    assert (view.version, view.stale, view.counts.calls, view.counts.letters_sent) == (2, False, 1, 0)


@pytest.mark.parametrize(("fails", "parked"), [(1, 0), (float("inf"), 1)], ids=["raises-once", "always-raises"])
async def test_projections_a_poison_fold_among_good_cases(
    store: EventStore, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    fails: float, parked: int,
) -> None:
    """The good cases are acked on their first delivery; the poison is applied on its retry, or parked with its
    reason after max_deliveries and listed by `liaison parked`."""
    good = [busy_case(f"good-{i}") for i in range(4)]
    poison = CaseBuilder("case-poison")
    poison.call()
    letter = poison.letter_sent()
    _fold_fails(monkeypatch, letter.event_id, fails)
    await append_all(store, [*good, poison])
    worker = fast_worker(store, "w1", max_deliveries=3, give_up_after=1000)
    acked_on = _record_acks(worker)
    async with running(worker):
        await _projected(store, worker, parked)
    good_positions = await _positions(store, good)
    assert {acked_on[p] for p in good_positions} == {1}, "a good entry waited for the poison"
    p = store.partition_of(poison.case_id)
    letter_at = (await store.read_case(poison.case_id))[1].position
    view = await get_view(store.redis, store, poison.case_id)
    assert view is not None
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    capsys.readouterr()
    assert await liaison_parked([], False, True) == 0
    listed = json.loads(capsys.readouterr().out)
    if not parked:
        assert acked_on[p, letter_at] == 2
        assert views.encode_view(view) == expected([poison])[poison.case_id]
        assert listed == []
        return
    assert acked_on[p, letter_at] == 3
    assert (view.stale, view.counts.letters_sent) == (True, 0)
    assert [(e["id"], e["deliveries"], e["reason"]) for e in listed] == [
        (f"{p}:{letter_at}", 3, "RuntimeError: fold bug: this letter cannot be folded")
    ]


def _reader(redis: Redis, store: EventStore, redis_server: RedisServer) -> tuple[HotlineEvents, dict[str, int]]:
    """A hotline-event reader whose entries record the delivery on which they were finished (hotline case -> n)."""
    config = IncidentsConfig(
        signing_key=KEYS["incidents"], redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t",
        log_block_ms=50, max_deliveries=3,
    )
    reader = HotlineEvents(redis, store, config)
    finished: dict[str, int] = {}
    one = reader._one

    async def recording(partition: int, entry: Delivery) -> None:
        await one(partition, entry)
        finished[case_of(entry) or entry.position] = entry.deliveries

    reader.follower.handler = per_entry(recording, case_of)
    return reader, finished


async def _submitted(redis: Redis) -> set[str]:
    """Command ids of the reports put on the incidents intake."""
    return {json.loads(fields[b"report"])["command_id"] for _, fields in await redis.xrange(keys.intake("incidents"))}


async def _read_until(reader: HotlineEvents, store: EventStore, finished: dict[str, int], parked: int) -> None:
    await reader.create_groups()
    task = asyncio.create_task(reader.run())
    try:

        async def done() -> bool:
            pending = [await store.redis.xpending(store.keys(p).log, "incidents") for p in range(store.partitions)]
            idle = sum(int(s["pending"]) for s in pending) == 0 and reader.follower.parking.parked == parked
            return idle and len(finished) + parked == 5 + 1  # and the keys' registrations, one case

        await eventually(done, 15, f"the 5 hotline events and the keys' registrations finished, {parked} parked")
    finally:
        reader.follower.stop()
        await asyncio.wait_for(task, timeout=10)


async def test_hotline_events_an_unknown_event_type_is_read_past(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """An unknown event type in the log is acked as read; the urgent calls beside it open incidents at once."""
    calls = [_call(f"HL-GOODCALL0000{i}", 1) for i in range(4)]
    for call in calls:
        await store.append(call.case_id, [call], 0)
    unknown = await _append_unknown(store, _call("HL-NEWERTYPE001", 1), kind="HotlineCallTranscribed")
    reader, finished = _reader(redis, store, redis_server)
    await _read_until(reader, store, finished, parked=0)
    assert finished == {call.case_id: 1 for call in calls} | {"HL-NEWERTYPE001": 1, REGISTRY_CASE: 1}
    assert {incident_command_id(call.case_id) for call in calls} == await _submitted(redis)
    assert unknown


@pytest.mark.parametrize(("fails", "parked"), [(1, 0), (float("inf"), 1)], ids=["raises-once", "always-raises"])
async def test_hotline_events_a_call_whose_handling_raises_among_good_ones(
    redis: Redis, store: EventStore, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
    fails: float, parked: int,
) -> None:
    """The good calls open incidents on their first delivery; the poison opens its own on the retry, or is parked
    with its reason in the incidents group's parking hash after max_deliveries."""
    calls = [_call(f"HL-GOODCALL0000{i}", 1) for i in range(4)]
    poison = _call("HL-POISONCALL01", 1)
    for call in [*calls[:2], poison, *calls[2:]]:
        await store.append(call.case_id, [call], 0)
    reader, finished = _reader(redis, store, redis_server)
    urgent, left = reader._urgent, [fails]

    async def flaky(call: HotlineCallLogged) -> None:
        if call.case_id == poison.case_id and left[0] > 0:
            left[0] -= 1
            raise RuntimeError("the incident cannot be opened")
        await urgent(call)

    monkeypatch.setattr(reader, "_urgent", flaky)
    await _read_until(reader, store, finished, parked)
    assert {finished[call.case_id] for call in calls} == {1}, "a good call waited for the poison"
    opened = {incident_command_id(call.case_id) for call in calls}
    if not parked:
        assert finished[poison.case_id] == 2
        assert await _submitted(redis) == opened | {incident_command_id(poison.case_id)}
        return
    assert await _submitted(redis) == opened
    position = (await store.read_case(poison.case_id))[0].position
    record = json.loads(await redis.hget(parked_key(store, store.partition_of(poison.case_id), "incidents"), position))
    assert (record["reason"], record["deliveries"], record["case_id"]) == (
        "RuntimeError: the incident cannot be opened", 3, poison.case_id
    )

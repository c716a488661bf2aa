"""``GET /v1/updates``: live case updates as server-sent events, resumable with no update missed or repeated."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import msgspec
from redis.asyncio import Redis

from services.gateway import positions
from shared.store import EventStore
from tests.integration.gateway.conftest import (
    Client,
    EventStream,
    eventually,
    post,
    projected,
    resources,
    subscribe,
)
from tests.unit.hotline.reports import CN, acknowledge, confirm, log_call, send_letter

BareApi = Callable[..., AbstractAsyncContextManager[Client]]


async def _updates_after(redis: Redis, store: EventStore, start: list[str]) -> list[tuple[int, str]]:
    """Every (partition, entry id) in the updates streams after the given positions, as Redis holds them."""
    found: list[tuple[int, str]] = []
    for p in range(store.partitions):
        entries: Any = await redis.xrange(store.keys(p).updates, f"({start[p]}", "+")
        found += [(p, entry_id.decode()) for entry_id, _ in entries]
    return found


async def _produce(api: Client, stop: asyncio.Event, sent: list[str]) -> None:
    """Open new cases one report after another until told to stop."""
    while not stop.is_set():
        status, body = await post(api, send_letter(f"flow-{len(sent)}"))
        assert status == 200, body
        sent.append(body["case_id"])


def _seen(events: list[Any]) -> list[tuple[int, str]]:
    return [(e.json()["partition"], e.json()["position"]) for e in events]


async def test_an_update_arrives_live_with_the_view(api: Client) -> None:
    """A subscriber sees the update of a report sent after it connected, with the case's view."""
    stream = await subscribe(api)
    status, body = await post(api, log_call("live-1"))
    assert status == 200
    [update] = await stream.updates(1, within=5)
    data = update.json()
    assert data["case_id"] == body["case_id"]
    assert data["version"] == 1
    assert data["view"]["case_id"] == body["case_id"]
    assert data["view"]["status"] == "awaiting_confirmation"
    assert update.id is not None
    assert positions.decode(update.id, 4)[data["partition"]] == data["position"]


async def test_resuming_with_last_event_id_misses_and_repeats_nothing(
    api: Client, store: EventStore, redis: Redis
) -> None:
    """Updates keep flowing while a client is away; resuming from its last id delivers exactly the rest."""
    # The store fixture's key registrations are still being projected when the test starts: subscribing only
    # after them keeps their update out of the ones this test counts (it names case UNIT-KEYS, not a sent one).
    await projected(store)
    first = await subscribe(api)
    start = positions.decode(first.ready_id, store.partitions)
    stop, sent = asyncio.Event(), []
    producer = asyncio.create_task(_produce(api, stop, sent))
    try:
        before = await first.updates(12)
        first.response.close()
        missed_while_away = len(before) + 12

        async def flowed_on() -> bool:
            return len(await _updates_after(redis, store, start)) >= missed_while_away

        await eventually(flowed_on, 15, "more updates while the client is away")
        assert before[-1].id is not None
        second = await subscribe(api, last_event_id=before[-1].id)
        await eventually(lambda: _at_least(sent, len(before) + 30), 15, "more reports after the resume")
    finally:
        stop.set()
        await producer
    await projected(store)
    truth = await _updates_after(redis, store, start)
    after = await second.updates(len(truth) - len(before), within=15)
    seen = _seen(before) + _seen(after)
    assert len(seen) == len(set(seen)), "an update was delivered twice"
    assert sorted(seen) == sorted(truth), "an update was missed"
    for p in range(store.partitions):
        in_partition = [position for q, position in seen if q == p]
        assert in_partition == [position for q, position in truth if q == p], "updates out of order"
    assert {e.json()["case_id"] for e in before + after} == set(sent)


async def _at_least(items: list[str], count: int) -> bool:
    return len(items) >= count


async def test_one_case_only_and_its_resume(api: Client) -> None:
    """``?case=`` delivers that case's updates only, and resumes after the last one with Last-Event-ID."""
    _, call = await post(api, log_call("one-call"))
    case_id, call_id = call["case_id"], call["events"][0]["event_id"]
    stream = await subscribe(api, f"/v1/updates?case={case_id}")
    assert (await post(api, send_letter("one-other")))[0] == 200
    assert (await post(api, acknowledge(case_id, call_id, "one-ack", unit=CN)))[0] == 200
    [v2] = await stream.updates(1)
    assert (v2.json()["case_id"], v2.json()["version"]) == (case_id, 2)
    stream.response.close()
    assert (await post(api, log_call("one-other-2")))[0] == 200
    assert (await post(api, confirm(case_id, call_id, "one-confirm")))[0] == 200
    assert v2.id is not None
    resumed = await subscribe(api, f"/v1/updates?case={case_id}", last_event_id=v2.id)
    [after] = await resumed.updates(1)
    # The confirmation records two events (versions 3 and 4): the views may fold them into one update.
    assert after.json()["case_id"] == case_id
    assert after.json()["version"] in (3, 4)


async def _fake_update(redis: Redis, store: EventStore, partition: int, case_id: str) -> str:
    fields = {"case_id": case_id, "version": "1", "view": msgspec.json.encode({"case_id": case_id})}
    entry_id: bytes = await redis.xadd(store.keys(partition).updates, fields)
    return entry_id.decode()


async def test_a_resume_past_trimmed_updates_says_resync(bare_api: BareApi, store: EventStore, redis: Redis) -> None:
    """When updates after the client's position were trimmed, a ``resync`` event says so; the rest still comes."""
    first = await _fake_update(redis, store, 0, "T-1")
    await _fake_update(redis, store, 0, "T-2")
    kept = await _fake_update(redis, store, 0, "T-3")
    await redis.xtrim(store.keys(0).updates, maxlen=1, approximate=False)
    resume_at = positions.encode([first, "0-0", "0-0", "0-0"])
    async with bare_api() as client:
        stream = await subscribe(client, last_event_id=resume_at)
        resync = await stream.next()
        assert resync.event == "resync"
        problem = resync.json()["partitions"][0]
        assert (problem["partition"], problem["problem"]) == (0, "trimmed")
        [update] = await stream.updates(1)
        assert (update.json()["case_id"], update.json()["position"]) == ("T-3", kept)


async def test_a_position_ahead_of_the_stream_is_reset_and_followed(
    bare_api: BareApi, store: EventStore, redis: Redis
) -> None:
    """A Last-Event-ID past a stream's end (the store was emptied) gets ``resync``, then new updates flow."""
    async with bare_api() as client:
        stream = await subscribe(client, last_event_id=positions.encode(["0-0", "99999999999999-0", "0-0", "0-0"]))
        resync = await stream.next()
        assert resync.event == "resync"
        assert resync.json()["partitions"][0]["problem"] == "ahead"
        await _fake_update(redis, store, 1, "A-1")
        [update] = await stream.updates(1)
        assert update.json()["case_id"] == "A-1"


async def test_a_last_event_id_it_did_not_write_is_refused(bare_api: BareApi, store: EventStore) -> None:
    """Garbage, or a position for another partition count, is 422 saying what is wrong."""
    async with bare_api() as client:
        for bad, said in (("0,0,x,0", "not a stream entry id"), ("0,0", "4 partitions")):
            response = await client.get("/v1/updates", headers={"Last-Event-ID": bad})
            assert response.status == 422
            body = await response.json()
            assert body["reason"]["code"] == "invalid_last_event_id"
            assert said in body["reason"]["message"]


async def test_a_quiet_stream_sends_keep_alive_comments(bare_api: BareApi, store: EventStore) -> None:
    """With nothing to say, the stream still sends a comment every keep-alive interval."""
    async with bare_api(keepalive_s=0.2) as client:
        stream = await subscribe(client)
        with contextlib.suppress(TimeoutError):
            await stream.next(within=1.0)
        assert "keep-alive" in stream.comments


async def test_subscribers_are_capped_and_a_gone_one_frees_its_place(bare_api: BareApi, store: EventStore) -> None:
    """Beyond max_subscribers the answer is 503; once a client disconnects, a new one is served."""
    async with bare_api(max_subscribers=1) as client:
        first = await subscribe(client)
        refused = await client.get("/v1/updates")
        assert refused.status == 503
        assert (await refused.json())["reason"]["code"] == "too_many_subscribers"
        first.response.close()
        gw = resources(client)

        async def freed() -> bool:
            return gw.subscribers == 0

        await eventually(freed, 5, "the server to notice the client left")
        again: EventStream = await subscribe(client)
        again.response.close()


async def test_shutdown_ends_open_streams(bare_api: BareApi, store: EventStore) -> None:
    """When the server stops, an open stream ends (the client's EventSource then reconnects elsewhere)."""
    async with bare_api() as client:
        stream = await subscribe(client)
        resources(client).stopping.set()
        try:
            await stream.next(within=3)
            raise AssertionError("the stream should have ended")
        except EOFError:
            pass

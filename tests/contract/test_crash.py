"""A crash cannot leave half an append: kill -9 Redis under load, restart it, and the log still verifies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.events import AnyEvent
from shared.redis_server import RedisServer
from shared.store import AppendResult, EventStore
from shared.store.audit import verify
from tests.contract.conftest import PARTITIONS
from tests.contract.factory import calls

WRITERS = 4
KILL_AFTER = 300
"""Appends confirmed before the kill."""


async def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


async def test_kill_9_under_load_leaves_whole_appends(make_redis_server: Callable[..., RedisServer]) -> None:
    """After kill -9 and a restart on the same AOF, every confirmed append is there and no append is half there."""
    server = make_redis_server()
    try:
        # No client retries: a writer must see the crash, not resend into the restarted server.
        redis = Redis.from_url(server.url, retry=Retry(NoBackoff(), 0))
        store = await EventStore.create(redis, PARTITIONS)
        confirmed: list[tuple[list[AnyEvent], AppendResult]] = []
        unanswered: list[tuple[str, list[AnyEvent]]] = []

        async def writer(w: int) -> None:
            versions = {f"crash-{w}-{c}": 0 for c in range(5)}
            i = 0
            while True:
                case_id = f"crash-{w}-{i % 5}"
                events = calls(case_id, versions[case_id] + 1, 1 + i % 3)  # appends of 1, 2 and 3 events
                i += 1
                try:
                    result = await store.append(case_id, events, versions[case_id])
                except (RedisConnectionError, RedisTimeoutError):
                    unanswered.append((case_id, events))
                    return
                confirmed.append((events, result))
                versions[case_id] = result.version

        writers = [asyncio.create_task(writer(w)) for w in range(WRITERS)]
        await _wait_for(lambda: len(confirmed) >= KILL_AFTER, 30, f"{KILL_AFTER} confirmed appends")
        server.kill()
        await asyncio.wait_for(asyncio.gather(*writers), 15)
        await redis.aclose()
        assert len(unanswered) == WRITERS

        server.restart()
        redis = Redis.from_url(server.url)
        store = await EventStore.open(redis)
        report = await verify(store)
        assert report.breaches == []
        for events, result in confirmed:
            recorded = await store.read_positions(result.partition, result.positions)
            assert [entry.event() for entry in recorded] == events
        present = 0
        for case_id, events in unanswered:
            ids = {entry.head()[2] for entry in await store.read_case(case_id)}
            found = [event.event_id in ids for event in events]
            assert all(found) or not any(found), f"half an append of {case_id} survived: {found}"
            present += len(events) if all(found) else 0
        assert report.events == sum(len(events) for events, _ in confirmed) + present
        await redis.aclose()
    finally:
        server.stop()

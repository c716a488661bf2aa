"""A restarted service forgets the consumers earlier processes left behind, never one that still holds entries."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from shared.intake.consumers import forget_departed

STREAM = "liaison:intake:test"
GROUP = "g"


async def _read_as(redis: Redis, consumer: str, ack: bool) -> None:
    await redis.xadd(STREAM, {"report": "{}"})
    read = await redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=1)
    if ack:
        await redis.xack(STREAM, GROUP, *(entry_id for _, entries in read for entry_id, _ in entries))


async def test_idle_consumers_with_nothing_pending_are_deleted_and_the_others_kept(redis: Redis) -> None:
    """Of three old consumers, the one holding an entry and the process's own name survive; the idle empty one goes."""
    await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    await _read_as(redis, "host-1", ack=True)
    await _read_as(redis, "host-2", ack=False)
    await _read_as(redis, "host-3", ack=True)
    await asyncio.sleep(0.05)

    departed = await forget_departed(redis, STREAM, GROUP, keep="host-3", idle_ms=10)

    assert departed == ["host-1"]
    left = {c["name"].decode() for c in await redis.xinfo_consumers(STREAM, GROUP)}
    assert left == {"host-2", "host-3"}


async def test_recently_active_consumers_are_kept(redis: Redis) -> None:
    """A consumer idle for less than the threshold may be a live process between reads: it is kept."""
    await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    await _read_as(redis, "host-1", ack=True)
    assert await forget_departed(redis, STREAM, GROUP, keep="host-9") == []


async def test_a_missing_stream_or_group_is_nothing_to_tidy(redis: Redis) -> None:
    """Before the group exists there is nothing to forget, and no error."""
    assert await forget_departed(redis, STREAM, GROUP, keep="host-1") == []


async def test_a_consumer_that_read_after_the_look_is_kept(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """The look said idle and empty, but the name read an entry since (a restarted process with the same pid):
    the delete re-checks inside one script and keeps it, with its pending entry."""
    await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    await _read_as(redis, "host-7", ack=True)
    await asyncio.sleep(0.05)
    stale = await redis.xinfo_consumers(STREAM, GROUP)
    await _read_as(redis, "host-7", ack=False)  # between the look and the delete

    async def the_earlier_look(stream: str, group: str) -> object:
        return stale

    monkeypatch.setattr(redis, "xinfo_consumers", the_earlier_look)
    assert await forget_departed(redis, STREAM, GROUP, keep="host-1", idle_ms=10) == []
    summary = await redis.xpending(STREAM, GROUP)
    assert summary["pending"] == 1

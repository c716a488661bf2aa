"""A latency flush adds a process's counts to its Redis hash once, and keeps them through a Redis outage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.append_metrics import Latencies
from shared.redis_server import RedisServer
from shared.store import keys

KEY = keys.latency("append", "hotline")


async def _stored(redis: Redis) -> dict[str, str]:
    raw: Any = await redis.hgetall(KEY)
    return {k.decode(): v.decode() for k, v in raw.items()}


async def test_a_flush_adds_the_counts_to_the_hash_and_resets_them(redis: Redis) -> None:
    """Two fast appends and a slow one land in their buckets with their sum; a second flush adds nothing twice."""
    latencies = Latencies("append")
    latencies.record(0.0003, count=2)
    latencies.record(0.02)
    await latencies.flush(redis, "hotline")
    first = await _stored(redis)
    assert (first["le:0.0005"], first["le:0.025"]) == ("2", "1")
    assert float(first["sum"]) == pytest.approx(0.0206)

    await latencies.flush(redis, "hotline")  # nothing recorded since: the hash stays as it was
    assert await _stored(redis) == first
    latencies.record(0.0003)
    await latencies.flush(redis, "hotline")
    assert (await _stored(redis))["le:0.0005"] == "3"


async def test_counts_survive_a_failed_flush_and_land_on_the_next(
    redis: Redis, make_redis_server: Callable[..., RedisServer]
) -> None:
    """A flush to a stopped redis-server raises and loses nothing: the next flush adds both rounds of counts."""
    down = make_redis_server()
    down.stop()
    unreachable = Redis.from_url(down.url, socket_connect_timeout=0.5)
    latencies = Latencies("append")
    latencies.record(0.0003, count=2)
    with pytest.raises((RedisConnectionError, OSError)):
        await latencies.flush(unreachable, "hotline")
    await unreachable.aclose()
    latencies.record(0.0003)
    latencies.record(0.2)

    await latencies.flush(redis, "hotline")
    stored = await _stored(redis)
    assert (stored["le:0.0005"], stored["le:0.25"]) == ("3", "1")
    assert float(stored["sum"]) == pytest.approx(0.2009)

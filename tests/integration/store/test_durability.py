"""``LIAISON_DURABILITY=replica`` against a real master and replica: an append returns once a replica holds it,
and says ``local`` (after the timeout, still recorded) when no replica acknowledges it (ADR 0024)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import EventStore
from shared.store.durability import Durability, DurabilityError, from_env
from shared.store.event_store import AppendRequest
from tests.contract.factory import calls

REPLICA = Durability("replica", timeout_ms=300)


@pytest.fixture
async def pair(make_redis_server: Callable[..., RedisServer]) -> tuple[RedisServer, RedisServer]:
    """A master and one replica of it, in sync."""
    master = make_redis_server(extra=["--repl-diskless-sync-delay", "0"])  # the default waits 5 s for more replicas
    replica = make_redis_server(extra=["--replicaof", "127.0.0.1", str(master.port)])
    client = Redis.from_url(master.url)
    try:
        deadline = time.monotonic() + 10
        # In sync when the master counts the replica's acknowledgement of a write (its link may be up before).
        while await client.set("synced", "1") and await client.execute_command("WAIT", 1, 100) < 1:
            assert time.monotonic() < deadline, "the replica did not sync"
            await asyncio.sleep(0.05)
        await client.delete("synced")
    finally:
        await client.aclose()
    return master, replica


async def test_an_append_waits_for_the_replica_and_says_so(pair: tuple[RedisServer, RedisServer]) -> None:
    """Under ``replica``, every append of a batch returns ``replica``, and the replica holds the events then."""
    master, replica = pair
    redis, on_replica = Redis.from_url(master.url), Redis.from_url(replica.url)
    try:
        store = await EventStore.create(redis, 4)
        store.durability = REPLICA
        requests = [AppendRequest(f"dur-{i}", calls(f"dur-{i}", 1, 2), 0, f"cmd-dur-{i}") for i in range(8)]
        results = await store.append_many(requests)
        assert [getattr(r, "durability", None) for r in results] == ["replica"] * 8
        for result in results:
            assert not isinstance(result, Exception)
            log = store.keys(result.partition).log
            assert await on_replica.xrange(log, result.positions[-1], result.positions[-1]), "not on the replica"
        single = await store.append("dur-one", calls("dur-one", 1, 1), 0)
        assert single.durability == "replica"
    finally:
        await redis.aclose()
        await on_replica.aclose()


async def test_without_a_replica_an_append_is_recorded_and_says_local(pair: tuple[RedisServer, RedisServer]) -> None:
    """The replica gone, an append still records (it is on the master's disk) and answers ``local`` after the
    timeout; the default (``local``) never waits at all, and says nothing of it."""
    master, replica = pair
    replica.kill()
    redis = Redis.from_url(master.url)
    try:
        store = await EventStore.create(redis, 4)
        store.durability = REPLICA
        started = time.monotonic()
        lonely = calls("lonely", 1, 1)
        result = await store.append("lonely", lonely, 0)
        assert result.durability == "local"
        assert time.monotonic() - started >= 0.25, "it did wait for a replica"
        assert [r.event().event_id for r in await store.read_case("lonely")] == [lonely[0].event_id]
        store.durability = Durability()
        started = time.monotonic()
        assert (await store.append("quick", calls("quick", 1, 1), 0)).durability is None  # nothing asked, none said
        assert time.monotonic() - started < 0.25
    finally:
        await redis.aclose()


async def test_a_frozen_replica_makes_the_append_say_local(pair: tuple[RedisServer, RedisServer]) -> None:
    """A replica that is connected but frozen (SIGSTOP) acknowledges nothing: the append says ``local``. (A WAIT
    on another connection than the append's would say ``replica`` here: with nothing written on it, it answers
    at once with the replicas connected.)"""
    master, replica = pair
    redis = Redis.from_url(master.url)
    assert replica.process is not None
    try:
        store = await EventStore.create(redis, 4)
        store.durability = REPLICA
        replica.process.send_signal(signal.SIGSTOP)
        try:
            results = await store.append_many([AppendRequest("frozen", calls("frozen", 1, 1), 0, "cmd-frozen")])
        finally:
            replica.process.send_signal(signal.SIGCONT)
        assert [getattr(r, "durability", None) for r in results] == ["local"]
    finally:
        await redis.aclose()


def test_the_settings_name_the_variable_and_the_problem() -> None:
    """A bad LIAISON_DURABILITY or timeout is refused naming the variable; unset means ``local``."""
    assert from_env({}) == Durability("local", 1000)
    assert from_env({"LIAISON_DURABILITY": "replica", "LIAISON_DURABILITY_TIMEOUT_MS": "250"}) == Durability(
        "replica", 250)
    with pytest.raises(DurabilityError, match="LIAISON_DURABILITY must be local or replica, got 'quorum'"):
        from_env({"LIAISON_DURABILITY": "quorum"})
    with pytest.raises(DurabilityError, match="LIAISON_DURABILITY_TIMEOUT_MS"):
        from_env({"LIAISON_DURABILITY_TIMEOUT_MS": "-1"})

"""The auditor's one-pass replay: the same findings as verify and the same views as rebuild, in one read."""

from __future__ import annotations

from services.projections.rebuild import rebuild, replay, replay_in_processes
from shared.redis_server import RedisServer
from shared.store import EventStore
from shared.store.audit import verify
from tests.integration.projections.helpers import append_all
from tests.unit.projections.factory import busy_case


async def test_replay_agrees_with_verify_and_rebuild(store: EventStore, redis_server: RedisServer) -> None:
    """On a clean log, one pass gives verify's events, cases and digest and rebuild's views, byte for byte;
    dealt over two processes, the same."""
    await append_all(store, [busy_case(f"replay-{i}") for i in range(12)])
    audited, rebuilt = await verify(store), await rebuild(store.redis, store)
    for done in (await replay(store), await replay_in_processes(redis_server.url, store.partitions, 2)):
        assert done.audit.ok
        assert (done.audit.events, done.audit.cases, done.audit.digest) == (
            audited.events, audited.cases, audited.digest
        )
        assert done.views == rebuilt
        assert done.rate > 0


async def test_replay_finds_what_verify_finds(store: EventStore, redis_server: RedisServer) -> None:
    """An entry deleted from a partition log is found by the replay (in one process or two) as by verify."""
    await append_all(store, [busy_case(f"gap-{i}") for i in range(6)])
    victim = store.partition_of("gap-0")
    entries = await store.read_partition(victim)
    await store.redis.xdel(store.keys(victim).log, entries[1].position)
    expected = sorted((b.kind, b.partition, b.position, b.case_id) for b in (await verify(store)).breaches)
    assert expected
    for done in (await replay(store), await replay_in_processes(redis_server.url, store.partitions, 2)):
        assert sorted((b.kind, b.partition, b.position, b.case_id) for b in done.audit.breaches) == expected

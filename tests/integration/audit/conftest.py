"""Fixtures of the auditors' tools tests: a source Redis holding realistic traffic, and an empty target."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache

import pytest
from redis.asyncio import Redis

from liaison.bench.fill import fill
from liaison.bench.workload import cases, template_cases
from services.projections.rebuild import rebuild
from shared.events import AnyEvent
from shared.readmodel.fold import encode_view
from shared.redis_server import RedisServer
from shared.store import EventStore, keys

PARTITIONS = 4
EVENTS = 1200


@cache
def _templates() -> list[list[AnyEvent]]:
    # Cases decided by the real hotline domain from the simulator's traffic (calls, letters,
    # acknowledgements, confirmations between the seed units, texts in vi and zh).
    return template_cases(12, 10, seed=11)


async def _fill(url: str) -> None:
    redis = Redis.from_url(url)
    try:
        store = await EventStore.create(redis, PARTITIONS)
        await fill(store, cases(_templates(), 0, EVENTS // 10 + 10, "au"), EVENTS)
        # The live views as the projections would have written them (rebuild and worker agree byte for byte).
        for case_id, view in (await rebuild(store.redis, store)).items():
            k = store.keys(store.partition_of(case_id))
            await redis.hset(k.views, case_id, encode_view(view))
            await redis.hset(k.view_versions, case_id, str(view.version))
        for p in range(PARTITIONS):  # ...and a projections group that has applied every entry
            await redis.xgroup_create(store.keys(p).log, keys.PROJECTIONS_GROUP, id="$")
    finally:
        await redis.aclose()


@pytest.fixture
def source(make_redis_server: Callable[..., RedisServer]) -> RedisServer:
    """A Redis holding a store of realistic hotline traffic (about EVENTS events) and its live views."""
    server = make_redis_server()
    asyncio.run(_fill(server.url))
    return server


@pytest.fixture
def target(make_redis_server: Callable[..., RedisServer]) -> RedisServer:
    """A fresh, empty Redis."""
    return make_redis_server()

"""``GET /health`` and ``GET /metrics``: is everything the gateway depends on there, and how far behind."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import structlog
from aiohttp import web
from redis.exceptions import RedisError

from services.gateway.groups import StreamGroups, consumer_groups
from services.gateway.metrics import CONTENT_TYPE
from services.gateway.replies import gateway, json_value
from services.gateway.resources import Gateway
from shared import append_metrics
from shared.redis_client import redacted, text
from shared.store import EventStore, StoreNotInitialised

log = structlog.get_logger("gateway")

CHECK_TIMEOUT_S = 3.0
"""A health check or scrape gives up on Redis after this long (it must answer, not hang)."""


async def _store_and_groups(gw: Gateway) -> tuple[EventStore | None, list[StreamGroups]]:
    try:
        store: EventStore | None = await gw.store()
    except StoreNotInitialised:
        store = None
    return store, await consumer_groups(gw.redis, store)


async def health(request: web.Request) -> web.Response:
    """200 when Redis answers, the store exists and every service's consumer group exists; else 503 saying why."""
    gw = gateway(request)
    problems: list[str] = []
    checks: dict[str, object] = {}
    try:
        await asyncio.wait_for(gw.redis.ping(), CHECK_TIMEOUT_S)
        store, streams = await asyncio.wait_for(_store_and_groups(gw), CHECK_TIMEOUT_S)
    except (RedisError, OSError, TimeoutError) as err:
        problems.append(f"redis: no answer from {redacted(gw.config.redis_url)}: {err or 'timed out'}")
        return _answer(problems, {"redis": "down"})
    checks["redis"] = "up"
    if store is None:
        problems.append("store: this Redis holds no Liaison store yet (start the services: `liaison up`)")
    else:
        checks["partitions"] = store.partitions
    groups: dict[str, str] = {}
    for stream in streams:
        if stream.group(stream.expected_group) is None:
            groups[stream.stream] = "missing"
            problems.append(
                f"consumer group {stream.expected_group!r} does not exist on {stream.stream}: "
                f"is the {stream.expected_group} service running?"
            )
        else:
            groups[stream.stream] = "ok"
    checks["consumer_groups"] = groups
    checks["outcome_reader"] = "ready" if gw.waiter.ready.is_set() else "starting"
    if not gw.waiter.ready.is_set():
        problems.append("outcome reader: not reading the outcomes stream yet")
    return _answer(problems, checks)


def _answer(problems: list[str], checks: dict[str, object]) -> web.Response:
    """200 ``ok``; or 503 ``failing``, with the ``reason`` every error body has (its message: the problems)."""
    if not problems:
        return json_value({"status": "ok", "problems": problems, "checks": checks})
    unhealthy = {"code": "unhealthy", "message": "; ".join(problems)}
    return json_value({"status": "failing", "problems": problems, "checks": checks, "reason": unhealthy},
                      HTTPStatus.SERVICE_UNAVAILABLE)


async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text exposition: the gateway's counters, every consumer group's lag, the services' latencies."""
    gw = gateway(request)
    streams: list[StreamGroups] | None
    latencies: list[append_metrics.Histogram] | None
    parked: dict[tuple[str, int], int] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            store, streams = await _store_and_groups(gw)
            latencies = await append_metrics.read_all(gw.redis)
            if store is not None:
                parked = await _parked_counts(gw, store)
    except (RedisError, OSError, TimeoutError) as err:
        log.warning("metrics_without_redis", error=str(err))
        streams, latencies = None, None
    body = gw.metrics.render(streams, latencies, parked)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _parked_counts(gw: Gateway, store: EventStore) -> dict[tuple[str, int], int]:
    """(group, partition) -> log entries that group ever parked there (one round trip)."""
    async with gw.redis.pipeline(transaction=False) as pipe:
        for p in range(store.partitions):
            pipe.hgetall(store.keys(p).parked_counts)
        replies = await pipe.execute()
    return {(text(group), p): int(count) for p, counts in enumerate(replies) for group, count in counts.items()}

"""Operations: services' latencies exported by ``/metrics``, ``/health`` on a deleted group, ids on log lines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from services.gateway.groups import watched_streams
from shared import append_metrics
from shared.append_metrics import Latencies
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.integration.gateway.conftest import Client, eventually, post, resources
from tests.unit.hotline.reports import log_call

BareApi = Callable[..., AbstractAsyncContextManager[Client]]


async def _latency_samples(client: Client, name: str) -> dict[tuple[str, str], float]:
    """(sample name suffix, service or le) -> value of one exported histogram family."""
    response = await client.get("/metrics")
    assert response.status == 200
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(await response.text()):
        if family.name == name:
            for s in family.samples:
                key = s.labels["service"] + ("@" + s.labels["le"] if "le" in s.labels else "")
                found[(s.name.removeprefix(name), key)] = s.value
    return found


async def test_latencies_of_two_processes_are_exported_summed_per_service(bare_api: BareApi, redis: Redis) -> None:
    """Two hotline processes flush their counts into one hash; /metrics shows their sum as a histogram."""
    first, second, views = Latencies("append"), Latencies("append"), Latencies("view_write")
    first.record(0.002, count=2)
    second.record(0.3)
    views.record(0.004)
    await first.flush(redis, "hotline")
    await second.flush(redis, "hotline")
    await views.flush(redis, "projections")
    async with bare_api() as client:
        appends = await _latency_samples(client, "liaison_append_seconds")
        assert appends[("_bucket", "hotline@0.0025")] == 2
        assert appends[("_bucket", "hotline@0.25")] == 2
        assert appends[("_bucket", "hotline@0.5")] == 3
        assert appends[("_count", "hotline")] == 3
        assert appends[("_sum", "hotline")] == pytest.approx(0.304)
        assert not any(key[1].startswith("incidents") for key in appends)  # never flushed: no series
        first.record(0.002)
        await first.flush(redis, "hotline")
        await first.flush(redis, "hotline")  # nothing new: adds nothing
        assert (await _latency_samples(client, "liaison_append_seconds"))[("_count", "hotline")] == 4
        view_writes = await _latency_samples(client, "liaison_view_write_seconds")
        assert view_writes[("_count", "projections")] == 1


async def test_a_flush_that_fails_keeps_its_counts_for_the_next(make_redis_server: Callable[..., RedisServer]) -> None:
    """With Redis down the flush raises and loses nothing; once Redis is back the next flush adds it all."""
    server = make_redis_server()
    client = Redis.from_url(server.url, socket_timeout=2)
    try:
        latencies = Latencies("append")
        latencies.record(0.01, count=5)
        server.stop()
        with pytest.raises((RedisConnectionError, OSError)):
            await latencies.flush(client, "incidents")
        latencies.record(0.01)
        server.start()
        await latencies.flush(client, "incidents")
        stored = await client.hgetall(keys.latency("append", "incidents"))
        assert stored[b"le:0.01"] == b"6"
    finally:
        await client.aclose()


async def test_the_flush_task_publishes_every_few_seconds_and_once_more_when_stopped(redis: Redis) -> None:
    """``run`` flushes on its period; stopping it flushes what was recorded since, without waiting a period."""
    latencies = Latencies("append")
    key = keys.latency("append", "incidents")
    task = asyncio.create_task(latencies.run(redis, "incidents", every_s=0.05))
    latencies.record(0.001)

    async def flushed() -> bool:
        return await redis.hget(key, "le:0.001") == b"1"

    await eventually(flushed, 5, "the periodic flush")
    latencies.record(0.001)
    task.cancel()  # the period is short, but the final flush is what must carry the second one
    await append_metrics.stop(task)
    assert await redis.hget(key, "le:0.001") == b"2"


async def test_health_is_503_naming_a_consumer_group_deleted_while_running(
    bare_api: BareApi, store: EventStore, redis: Redis
) -> None:
    """With every group present /health is 200; delete one partition's projections group: 503 naming only it."""
    for stream, group, _ in watched_streams(store):
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    async with bare_api() as client:

        async def ready() -> bool:
            return resources(client).waiter.ready.is_set()

        await eventually(ready, 5, "the outcome reader")
        healthy = await client.get("/health")
        assert healthy.status == 200, await healthy.text()
        deleted = store.keys(2).log
        await redis.xgroup_destroy(deleted, keys.PROJECTIONS_GROUP)
        response = await client.get("/health")
        body = await response.json()
    assert response.status == 503
    assert body["status"] == "failing"
    assert len(body["problems"]) == 1
    assert "'projections'" in body["problems"][0]
    assert deleted in body["problems"][0]
    assert body["checks"]["consumer_groups"][deleted] == "missing"
    assert list(body["checks"]["consumer_groups"].values()).count("missing") == 1


async def test_a_command_s_log_lines_carry_its_command_id_and_case_id(api: Client) -> None:
    """The request line of POST /v1/commands names the command and, once answered, the case."""
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        status, outcome = await post(api, log_call("ops-log-1"))
        assert status == 200, outcome
        bad_status, _ = await post(api, log_call("ops-log-2", caller_unit="XX-NOWHERE"))
        assert bad_status == 422
    requests = [line for line in lines if line["event"] == "request" and line.get("route") == "/v1/commands"]
    assert [(line["command_id"], line.get("case_id"), line["status"]) for line in requests] == [
        ("ops-log-1", outcome["case_id"], 200),
        ("ops-log-2", None, 422),
    ]

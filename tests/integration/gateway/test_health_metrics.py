"""``GET /health`` (fails with what is wrong) and ``GET /metrics`` (Prometheus text that parses)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from redis.asyncio import Redis

from services.gateway.app import ROUTES
from shared.redis_server import RedisServer, free_port
from shared.reports import SERVICE_OF
from shared.store import EventStore, keys
from tests.integration.gateway.conftest import (
    Client,
    eventually,
    gateway_client,
    gateway_config,
    incidents_running,
    post,
    resources,
)
from tests.unit.hotline.reports import log_call

SERVICES = set(SERVICE_OF.values())
"""The services the gateway routes reports to, each expected to have its group on its intake."""

BareApi = Callable[..., AbstractAsyncContextManager[Client]]


async def _samples(client: Client) -> dict[str, list[Sample]]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    by_name: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            by_name.setdefault(sample.name, []).append(sample)
    return by_name


async def test_health_is_200_when_redis_the_store_and_every_group_are_there(
    api: Client, redis_server: RedisServer, tmp_path: Path
) -> None:
    """With every service running (hotline, incidents, projections), every check passes."""
    async with incidents_running(redis_server.url, tmp_path):
        response = await api.get("/health")
        body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ok"
    assert body["problems"] == []
    assert set(body["checks"]["consumer_groups"].values()) == {"ok"}
    assert len(body["checks"]["consumer_groups"]) == len(SERVICES) + 4


async def test_health_is_503_naming_a_missing_consumer_group(bare_api: BareApi, store: EventStore) -> None:
    """With no service ever started, /health is 503 and names the groups that do not exist."""
    async with bare_api() as client:
        response = await client.get("/health")
        body = await response.json()
    assert response.status == 503
    assert body["status"] == "failing"
    assert body["reason"] == {"code": "unhealthy", "message": "; ".join(body["problems"])}  # the Error body's reason
    assert any("'hotline'" in problem and "liaison:intake:hotline" in problem for problem in body["problems"])
    assert any("'projections'" in problem and "{p0}" in problem for problem in body["problems"])


async def test_health_is_503_quickly_when_redis_is_down(make_redis_server: Callable[..., RedisServer]) -> None:
    """With Redis stopped, /health answers 503 within seconds, saying Redis does not answer; /metrics, whose token
    cannot be checked, is refused 503 rather than served unchecked."""
    server = make_redis_server()
    async with gateway_client(gateway_config(server.url)) as client:
        server.stop()
        started = time.monotonic()
        response = await client.get("/health")
        body = await response.json()
        assert response.status == 503
        assert time.monotonic() - started < 5
        assert body["checks"]["redis"] == "down"
        assert "redis" in body["problems"][0]
        # /metrics needs an operator's token, which cannot be checked without Redis: it fails closed.
        metrics = await client.get("/metrics")
        assert metrics.status == 503
        assert (await metrics.json())["reason"]["code"] == "redis_unavailable"


async def test_a_gateway_started_before_redis_serves_once_redis_is_up(
    make_redis_server: Callable[..., RedisServer],
) -> None:
    """The gateway starts without Redis (503 meanwhile) and serves once Redis and the store exist."""
    server = make_redis_server()
    server.stop()
    async with gateway_client(gateway_config(server.url)) as client:
        down = await client.get("/v1/cases")
        assert down.status == 503
        assert (await down.json())["reason"]["code"] == "redis_unavailable"
        server.start()
        no_store = await client.get("/v1/cases")
        assert no_store.status == 503
        assert (await no_store.json())["reason"]["code"] == "no_store"
        redis = Redis.from_url(server.url)
        try:
            await EventStore.create(redis, 4)
        finally:
            await redis.aclose()
        served = await client.get("/v1/cases")
        assert (served.status, await served.json()) == (200, [])
        await eventually(_ready(client), 5, "the outcome reader to take its position")


def _ready(client: Client) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return resources(client).waiter.ready.is_set()

    return check


async def test_metrics_parse_and_count_reports_outcomes_requests_and_lag(api: Client) -> None:
    """The exposition parses; it counts reports by type, outcomes by status, requests by route; lag per partition."""
    assert (await post(api, log_call("m-1")))[0] == 200
    assert (await post(api, log_call("m-bad", caller_unit="XX-NOWHERE")))[0] == 422
    assert (await post(api, b"not json"))[0] == 422
    samples = await _samples(api)
    reports = {s.labels["type"]: s.value for s in samples["liaison_gateway_reports_total"]}
    assert reports == {"LogCall": 2, "unroutable": 1}
    outcomes = {(s.labels["status"], s.labels["code"]): s.value for s in samples["liaison_gateway_outcomes_total"]}
    assert outcomes == {("accepted", ""): 1, ("rejected", "unknown_unit"): 1, ("rejected", "invalid_json"): 1}
    requests = {
        (s.labels["route"], s.labels["status"]): s.value for s in samples["liaison_gateway_http_requests_total"]
    }
    assert requests[("/v1/commands", "200")] == 1
    assert requests[("/v1/commands", "422")] == 2
    lag = {(s.labels["group"], s.labels["partition"]) for s in samples["liaison_consumer_group_lag"]}
    assert {("hotline", "")} | {("projections", str(p)) for p in range(4)} <= lag
    assert all(s.value >= 0 for s in samples["liaison_consumer_group_pending"])
    assert samples["liaison_redis_up"][0].value == 1
    assert samples["liaison_gateway_report_seconds_count"][0].value == 2


async def test_metrics_show_the_lag_of_a_stopped_service(bare_api: BareApi, store: EventStore, redis: Redis) -> None:
    """Reports sent while the hotline is stopped show as its group's lag; a group never created shows as missing."""
    await redis.xgroup_create(keys.intake("hotline"), "hotline", id="0", mkstream=True)
    async with bare_api(outcome_timeout_s=0.2) as client:
        answers = await asyncio.gather(*(post(client, log_call(f"lag-{i}")) for i in range(3)))
        assert [status for status, _ in answers] == [504] * 3
        samples = await _samples(client)
    lag = {(s.labels["group"], s.labels["partition"]): s.value for s in samples["liaison_consumer_group_lag"]}
    assert lag == {("hotline", ""): 3}
    missing = {(s.labels["group"], s.labels["partition"]) for s in samples["liaison_consumer_group_missing"]}
    never_started = {(service, "") for service in SERVICES - {"hotline"}}
    assert missing == never_started | {("projections", str(p)) for p in range(4)}
    assert {s.labels["status"]: s.value for s in samples["liaison_gateway_outcomes_total"]} == {"unanswered": 3}


async def test_metrics_count_the_entries_each_group_parked(bare_api: BareApi, store: EventStore, redis: Redis) -> None:
    """The counts the log follower keeps of parked entries show per group and partition as a Prometheus counter."""
    await redis.hincrby(store.keys(2).parked_counts, "projections", 2)
    await redis.hincrby(store.keys(3).parked_counts, "incidents", 1)
    async with bare_api() as client:
        samples = await _samples(client)
    parked = {(s.labels["group"], s.labels["partition"]): s.value for s in samples["liaison_parked_entries_total"]}
    assert parked == {("projections", "2"): 2, ("incidents", "3"): 1}


async def test_openapi_lists_every_route(api: Client) -> None:
    """The served OpenAPI document has exactly the routes the application serves, with their methods."""
    response = await api.get("/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    served = {(path, method.lower()) for method, path, _ in ROUTES}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served


async def test_health_never_quotes_a_redis_password() -> None:
    """/health, open to anyone, names the Redis it cannot reach with its password masked."""
    url = f"redis://liaison:S3cretPass@127.0.0.1:{free_port()}/0"
    async with gateway_client(gateway_config(url)) as client:
        response = await client.get("/health")
        body = await response.text()
    assert response.status == 503
    assert "S3cretPass" not in body
    assert "liaison:***@" in body

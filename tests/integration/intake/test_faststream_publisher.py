"""A liaison officer's tool written with FastStream publishes reports as FastStream does, and gets its answers."""

from __future__ import annotations

from typing import Any

from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import keys
from tests.integration.hotline.conftest import RunHotline, outcome_of, run_hotline  # noqa: F401 - a fixture
from tests.integration.incidents.conftest import RunIncidents, run_incidents  # noqa: F401 - a fixture
from tests.unit.hotline.reports import log_call
from tests.unit.incidents import incident_reports as inc


async def _publish(url: str, stream: str, *reports: Any) -> None:
    """``broker.publish(report, stream=...)``, exactly as a FastStream tool would write it (its own envelope)."""
    async with RedisBroker(url) as broker:
        for report in reports:
            await broker.publish(report, stream=stream)


async def test_a_report_published_by_faststream_is_decided_and_answered(
    redis: Redis, redis_server: RedisServer, run_hotline: RunHotline  # noqa: F811
) -> None:
    """A LogCall published with FastStream's RedisBroker (one ``__data__`` field) is accepted; one whose body is not a
    valid report but names its command id is answered ``malformed`` rather than left unanswered."""
    async with run_hotline():
        await _publish(redis_server.url, keys.intake("hotline"), log_call("fs-call"),
                       {"type": "LogCall", "command_id": "fs-broken"})
        good = await outcome_of(redis, "fs-call")
        bad = await outcome_of(redis, "fs-broken")
    assert good.status == "accepted"
    assert bad.reason is not None
    assert (bad.status, bad.reason.code) == ("rejected", "malformed")
    fields = [f for _, f in await redis.xrange(keys.intake("hotline"))]
    assert fields
    assert all(set(f) == {b"__data__"} for f in fields), "the entries are FastStream's own format, untouched"


async def test_the_incidents_service_reads_faststream_reports_too(
    redis: Redis, redis_server: RedisServer, run_incidents: RunIncidents  # noqa: F811
) -> None:
    """An incident raised by a FastStream tool is accepted by the incidents service (the same intake reader)."""
    async with run_incidents():
        await _publish(redis_server.url, keys.intake("incidents"), inc.raise_incident(command_id="fs-incident"))
        answer = await outcome_of(redis, "fs-incident")
    assert answer.status == "accepted"

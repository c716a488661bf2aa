"""Every log line about a report names its command and case, and each append's latency is recorded."""

from __future__ import annotations

from typing import Any

import structlog
from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor
from shared import append_metrics
from shared.redis_server import RedisServer
from shared.store import keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import INTAKE, RunHotline, outcome_of, send
from tests.signing import register_test_keys, signed_fields
from tests.unit.hotline.reports import acknowledge, log_call

CASE = "HL-LOGIDS"


async def _appends_counted(redis: Redis) -> int:
    """Appends this process recorded since the last flush (flushed to Redis and read back)."""
    await append_metrics.APPENDS.flush(redis, "hotline")
    [histogram] = [h for h in await append_metrics.read_all(redis) if h.service == "hotline"]
    return dict(histogram.buckets)["+Inf"]


async def test_lines_about_reports_carry_command_and_case_ids(redis: Redis, redis_server: RedisServer) -> None:
    """Accepted, rejected and dead-lettered reports each log their command_id and case_id; one append is timed."""
    store = await register_test_keys(redis)
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    config = HotlineConfig(redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t")
    processor = Processor(redis, store, config)
    await append_metrics.APPENDS.flush(redis, "hotline")  # counts other tests left in this process
    await redis.delete(keys.latency("append", "hotline"))
    reports: list[dict[str, Any]] = [
        log_call("cmd-open", case_id=CASE),
        acknowledge(CASE, "no-such-message", "cmd-refused"),
        log_call("cmd-given-up", case_id=CASE),
    ]
    entries = [(await send(redis, r), signed_fields(r)) for r in reports]
    with structlog.testing.capture_logs() as lines:
        for entry in entries[:2]:
            await processor.process([entry])
        await processor.process([entries[2]], give_up=frozenset({entries[2][0]}))
    about = {line["command_id"]: line for line in lines if line.get("command_id")}
    assert {c: (line["event"], line["case_id"]) for c, line in about.items()} == {
        "cmd-open": ("accepted", CASE),
        "cmd-refused": ("rejected", CASE),
        "cmd-given-up": ("dead_letter", CASE),
    }
    assert await _appends_counted(redis) == 1


async def test_a_stopping_service_flushes_its_append_latencies_to_redis(redis: Redis, run_hotline: RunHotline) -> None:
    """The running app times its appends and, when stopped, adds them to the hash the gateway exports."""
    await append_metrics.APPENDS.flush(redis, "hotline")  # counts other tests left in this process
    await redis.delete(keys.latency("append", "hotline"))
    async with run_hotline():
        await send(redis, log_call("cmd-timed", case_id=CASE))
        assert (await outcome_of(redis, "cmd-timed")).status == "accepted"
    [histogram] = [h for h in await append_metrics.read_all(redis) if h.service == "hotline"]
    assert dict(histogram.buckets)["+Inf"] == 1

"""Every log line about a report names its command and case (about a hotline call, its event); appends are timed."""

from __future__ import annotations

from typing import Any

import structlog
from redis.asyncio import Redis

from services.incidents.calls import incident_command_id
from services.incidents.config import GROUP, IncidentsConfig
from services.incidents.hotline_events import HotlineEvents
from services.incidents.processor import Processor
from shared import append_metrics
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.incidents.conftest import send
from tests.integration.incidents.test_talk_through_events import _call
from tests.signing import KEYS, REGISTERED, signed_fields
from tests.unit.incidents import incident_reports as inc

IDS = [structlog.contextvars.merge_contextvars]
"""What the service's log set-up adds to a line: the ids bound for the current task."""


async def _appends_counted(redis: Redis) -> int:
    """Appends this process recorded since the last flush (flushed to Redis and read back)."""
    await append_metrics.APPENDS.flush(redis, "incidents")
    [histogram] = [h for h in await append_metrics.read_all(redis) if h.service == "incidents"]
    return dict(histogram.buckets)["+Inf"]


def _config(url: str) -> IncidentsConfig:
    return IncidentsConfig(signing_key=KEYS["incidents"], redis_url=url, partitions=TEST_PARTITIONS, consumer="t")


async def test_lines_about_reports_carry_command_and_case_ids(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Accepted, rejected and dead-lettered reports each log their command_id and case_id; one append is timed."""
    await redis.xgroup_create(keys.intake("incidents"), GROUP, id="0", mkstream=True)
    processor = Processor(redis, store, _config(redis_server.url))
    await append_metrics.APPENDS.flush(redis, "incidents")  # counts other tests left in this process
    await redis.delete(keys.latency("append", "incidents"))
    reports: list[dict[str, Any]] = [
        inc.raise_incident(command_id="cmd-raise", case_id="IN-LOGIDS000001"),
        inc.acknowledge(command_id="cmd-refused", case_id="IN-NOSUCHCASE01"),
        inc.raise_incident(command_id="cmd-given-up", case_id="IN-LOGIDS000002"),
    ]
    entries = [(await send(redis, r), signed_fields(r)) for r in reports]
    with structlog.testing.capture_logs(processors=IDS) as lines:
        for entry in entries[:2]:
            await processor.process([entry])
        await processor.process([entries[2]], give_up=frozenset({entries[2][0]}))
    about = {line["command_id"]: line for line in lines if line.get("command_id")}
    assert {c: (line["event"], line["case_id"]) for c, line in about.items()} == {
        "cmd-raise": ("accepted", "IN-LOGIDS000001"),
        "cmd-refused": ("rejected", "IN-NOSUCHCASE01"),
        "cmd-given-up": ("dead_letter", "IN-LOGIDS000002"),
    }
    assert await _appends_counted(redis) == 1


async def test_the_line_about_an_urgent_call_names_the_event_and_its_case(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Reading an urgent call from the log logs its event_id, its hotline case and the report it submits."""
    call = _call("HL-LOGIDSCALL01", 1)
    await store.append(call.case_id, [call], 0)
    reader = HotlineEvents(redis, store, _config(redis_server.url))
    await reader.create_groups()
    with structlog.testing.capture_logs(processors=IDS) as lines:
        assert await reader.read_once() == 1 + REGISTERED  # and the keys' registrations, read past
    [urgent] = [line for line in lines if line["event"] == "urgent_call"]
    assert (urgent["event_id"], urgent["case_id"]) == (call.event_id, call.case_id)
    assert urgent["command_ids"] == [incident_command_id(call.case_id)]

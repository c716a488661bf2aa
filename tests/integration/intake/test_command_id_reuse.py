"""A command id names one report everywhere: a different report under a used id is refused and records nothing."""

from __future__ import annotations

from typing import Any

import msgspec
from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor as HotlineProcessor
from services.incidents.config import IncidentsConfig
from services.incidents.processor import Processor as IncidentsProcessor
from shared.intake import batch_io
from shared.intake.entries import Malformed
from shared.intake.pipeline import Pipeline
from shared.outcomes import Outcome, outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.signing import KEYS, register_test_keys, signed, signed_fields
from tests.unit.hotline.reports import log_call, send_letter
from tests.unit.incidents import incident_reports as inc

SAME_PARTITION = ("HL-A", "HL-C")
OTHER_PARTITION = ("HL-A", "HL-B")


async def _hotline(redis: Redis, url: str) -> HotlineProcessor:
    store = await register_test_keys(redis)
    assert store.partition_of(SAME_PARTITION[0]) == store.partition_of(SAME_PARTITION[1])
    assert store.partition_of(OTHER_PARTITION[0]) != store.partition_of(OTHER_PARTITION[1])
    await redis.xgroup_create(keys.intake("hotline"), "hotline", id="0", mkstream=True)
    return HotlineProcessor(redis, store, HotlineConfig(redis_url=url, partitions=TEST_PARTITIONS, consumer="t"))


async def _process(redis: Redis, processor: Pipeline[Any], report: dict[str, Any]) -> Outcome:
    """Send one report through the processor and return the last outcome written for its command id."""
    raw = msgspec.json.encode(report)
    entry_id = await redis.xadd(processor.intake, signed(raw))
    await redis.xreadgroup(processor.group, "t", {processor.intake: ">"}, count=100)
    await processor.process([(entry_id, signed_fields(raw))])
    answers = [outcome_decoder.decode(f[b"outcome"]) for _, f in await redis.xrange(keys.OUTCOMES)]
    return [o for o in answers if o.command_id == report["command_id"]][-1]


async def _log_length(store: EventStore) -> int:
    return sum([await store.redis.xlen(store.keys(p).log) for p in range(store.partitions)])


def _reused(outcome: Outcome) -> bool:
    return outcome.status == "rejected" and outcome.reason is not None and outcome.reason.code == "command_id_reused"


async def test_reused_in_the_same_partition_is_refused_not_answered_with_another_case(
    redis: Redis, redis_server: RedisServer
) -> None:
    """A call on HL-C under the id of a call already recorded on HL-A (same partition) is refused command_id_reused,
    with no events, and HL-C gets nothing; the first report sent again still gets its original outcome."""
    processor = await _hotline(redis, redis_server.url)
    first = await _process(redis, processor, log_call("dup-id", case_id="HL-A"))
    assert first.status == "accepted"
    logged = await _log_length(processor.store)
    other = await _process(redis, processor, log_call("dup-id", case_id="HL-C", line="LC-HK-2"))
    assert _reused(other)
    assert other.events == ()
    assert await processor.store.read_case("HL-C") == []
    assert await _log_length(processor.store) == logged
    again = await _process(redis, processor, log_call("dup-id", case_id="HL-A"))
    assert (again.status, again.case_id, again.events) == ("accepted", "HL-A", first.events)


async def test_reused_in_another_partition_records_nothing(redis: Redis, redis_server: RedisServer) -> None:
    """A letter on HL-B (another partition) under the id of a call on HL-A is refused and not recorded a second time."""
    processor = await _hotline(redis, redis_server.url)
    await _process(redis, processor, log_call("dup-id", case_id="HL-A"))
    await _process(redis, processor, log_call("open-b", case_id="HL-B"))
    logged = await _log_length(processor.store)
    other = await _process(redis, processor, send_letter("dup-id", case_id="HL-B", reference="LC/2026/9"))
    assert _reused(other)
    assert await _log_length(processor.store) == logged
    assert len(await processor.store.read_case("HL-B")) == 1


async def test_a_remembered_rejection_is_not_inherited_by_an_unrelated_report(
    redis: Redis, redis_server: RedisServer
) -> None:
    """A report refused for an unknown unit is remembered; a valid, different report under its id gets
    command_id_reused, not that rejection, and the refused one sent again still gets its own rejection."""
    processor = await _hotline(redis, redis_server.url)
    bad = log_call("reused", case_id="HL-D", callee_unit="XX-NOWHERE")
    refused = await _process(redis, processor, bad)
    assert refused.reason is not None
    assert refused.reason.code == "unknown_unit"
    assert _reused(await _process(redis, processor, log_call("reused", case_id="HL-D")))
    assert await processor.store.read_case("HL-D") == []
    assert await _process(redis, processor, bad) == refused


async def test_a_crash_after_the_claim_converges(redis: Redis, redis_server: RedisServer) -> None:
    """A process that claimed a command id and died before deciding leaves a claim its own report matches: the report
    delivered again is recorded; a different report under that id is still refused."""
    processor = await _hotline(redis, redis_server.url)
    report = log_call("claimed", case_id="HL-E")
    raw = msgspec.json.encode(report)
    readable = processor._read_entry(b"1-1", signed_fields(raw))
    assert not isinstance(readable, Malformed)
    await batch_io.lookup(redis, processor.store, [readable])  # the claim is taken; then the process dies
    assert (await _process(redis, processor, report)).status == "accepted"
    assert _reused(await _process(redis, processor, log_call("claimed", case_id="HL-E", line="LC-HK-3")))


async def test_a_command_id_names_one_report_across_services(redis: Redis, redis_server: RedisServer) -> None:
    """An incident report under the id of a recorded hotline call is refused by the incidents service, recording
    nothing."""
    hotline = await _hotline(redis, redis_server.url)
    await _process(redis, hotline, log_call("shared-id", case_id="HL-F"))
    await redis.xgroup_create(keys.intake("incidents"), "incidents", id="0", mkstream=True)
    incidents = IncidentsProcessor(
        redis, hotline.store,
        IncidentsConfig(
            signing_key=KEYS["incidents"], redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t"),
    )
    logged = await _log_length(hotline.store)
    assert _reused(await _process(redis, incidents, inc.raise_incident(command_id="shared-id")))
    assert await _log_length(hotline.store) == logged

"""The hotline app in-process on a real redis-server: outcomes, rejections, dead letters, resends, two instances."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import msgspec
from redis.asyncio import Redis

from shared.events import HotlineCallLogged
from shared.store import EventStore, keys
from tests.integration.hotline.conftest import DEAD, INTAKE, RunHotline, outcome_of, outcomes, pending, send
from tests.signing import REGISTERED, signed
from tests.unit.hotline.reports import acknowledge, log_call, send_letter


async def test_a_report_is_accepted_with_its_events_and_version(redis: Redis, run_hotline: RunHotline) -> None:
    """A call opens a case (version 1, its event at the returned position); its acknowledgement makes version 2."""
    async with run_hotline():
        await send(redis, log_call("cmd-call"))
        opened = await outcome_of(redis, "cmd-call")
        assert opened.status == "accepted"
        assert opened.version == 1
        assert opened.case_id is not None
        [ref] = opened.events
        assert (ref.type, ref.case_version) == ("HotlineCallLogged", 1)

        store = await EventStore.open(redis)
        [recorded] = await store.read_case(opened.case_id)
        event = recorded.event()
        assert isinstance(event, HotlineCallLogged)
        assert (recorded.position, event.event_id, event.causation_id) == (ref.position, ref.event_id, "cmd-call")

        await send(redis, acknowledge(opened.case_id, ref.event_id, "cmd-ack"))
        acked = await outcome_of(redis, "cmd-ack")
        assert (acked.status, acked.case_id, acked.version) == ("accepted", opened.case_id, 2)
        assert [e.type for e in acked.events] == ["MessageAcknowledged"]


async def test_an_invalid_report_gets_a_precise_rejection_and_records_nothing(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """A Vietnamese unit's time in +08:00 is rejected as wrong_offset naming the field; no event is written."""
    async with run_hotline():
        await send(redis, log_call("cmd-bad", case_id="HL-NOPE", at="2026-11-23T10:20:00+08:00"))
        outcome = await outcome_of(redis, "cmd-bad")
    assert outcome.status == "rejected"
    assert outcome.reason is not None
    assert outcome.reason.code == "wrong_offset"
    assert outcome.reason.message.startswith("at: ")
    assert outcome.case_id == "HL-NOPE"
    store = await EventStore.open(redis)
    assert await store.head("HL-NOPE") == (0, "0" * 64)
    ttl = await redis.ttl(keys.rejection("cmd-bad"))
    assert 29 * 24 * 3600 < ttl <= 30 * 24 * 3600


async def test_malformed_entries_go_to_the_dead_letter_stream_and_the_service_goes_on(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """Not JSON, invalid UTF-8, unknown type, missing field, no report field: each dead-lettered with its reason."""
    bad: dict[str, bytes] = {
        "not-json": b"{this is not json",
        "not-utf8": b'{"type": "LogCall", "command_id": "\xff\xfe"}',
        "unknown-type": b'{"type": "Teleport", "command_id": "cmd-teleport"}',
        "missing-field": msgspec_without(log_call("cmd-nosummary"), "summary"),
    }
    async with run_hotline() as service:
        ids = {name: await send(redis, raw) for name, raw in bad.items()}
        ids["no-report-field"] = await redis.xadd(INTAKE, {"payload": b"{}"})
        await send(redis, log_call("cmd-good"))
        good = await outcome_of(redis, "cmd-good")
        assert good.status == "accepted"
        dead = await redis.xrange(DEAD)
        assert await pending(redis) == 0
        assert service.processor is not None
        assert service.processor.completed == 6
    by_entry = {fields[b"entry_id"]: fields for _, fields in dead}
    assert set(by_entry) == set(ids.values())
    reasons = {name: by_entry[entry_id][b"reason"].decode() for name, entry_id in ids.items()}
    assert reasons["not-json"].startswith("report is not valid JSON")
    offset = bad["not-utf8"].index(b"\xff")
    assert reasons["not-utf8"] == f"report is not valid UTF-8 (byte 0xff at offset {offset})"
    assert "Invalid value 'Teleport' - at `$.type`" in reasons["unknown-type"]
    assert "missing required field `summary`" in reasons["missing-field"]
    assert reasons["no-report-field"].startswith("entry has no 'report' field (fields: payload)")
    assert by_entry[ids["not-utf8"]][b"original"] == bad["not-utf8"]
    assert by_entry[ids["no-report-field"]][b"original.payload"] == b"{}"
    # Where a command id could be read, the sender also gets a rejection saying why.
    for command_id in ("cmd-teleport", "cmd-nosummary"):
        outcome = await outcome_of(redis, command_id)
        assert outcome.reason is not None
        assert outcome.reason.code == "malformed"


def msgspec_without(report: dict[str, object], field: str) -> bytes:
    """The report's JSON with one field left out."""
    return msgspec.json.encode({k: v for k, v in report.items() if k != field})


async def test_the_same_command_three_times_records_once_and_answers_identically(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """Twice in one batch and once later: one event, three identical outcomes; a rejection repeats identically too."""
    report = log_call("cmd-thrice")
    refused = log_call("cmd-refused", ended_at="2026-11-23T09:00:00+07:00")
    async with run_hotline():
        async with redis.pipeline(transaction=True) as pipe:  # one MULTI: both land in one batch
            for r in (report, report, refused, refused):
                pipe.xadd(INTAKE, signed(r))
            await pipe.execute()
        await outcomes(redis, 4)
        await send(redis, report)
        await send(redis, refused)
        answers = await outcomes(redis, 6)
    accepted = [o for o in answers if o.command_id == "cmd-thrice"]
    rejected = [o for o in answers if o.command_id == "cmd-refused"]
    assert len(accepted) == 3
    assert accepted[0] == accepted[1] == accepted[2]
    assert accepted[0].status == "accepted"
    assert len(rejected) == 3
    assert rejected[0] == rejected[1] == rejected[2]
    assert rejected[0].reason is not None
    assert rejected[0].reason.code == "invalid_time"
    store = await EventStore.open(redis)
    assert accepted[0].case_id is not None
    assert len(await store.read_case(accepted[0].case_id)) == 1
    assert sum([await store.numbered(p) for p in range(store.partitions)]) == 1 + REGISTERED  # and the keys'


async def test_two_instances_on_one_stream_record_each_report_exactly_once(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """200 reports on 40 shared cases, two processes reading in small batches: every report's events once."""
    cases = [f"HL-TWO-{i:02d}" for i in range(40)]
    reports = []
    for i, case_id in enumerate(cases):
        reports.append(log_call(f"c{i}-0", case_id=case_id))
        reports += [send_letter(f"c{i}-{j}", case_id=case_id, reference=f"R-{i}-{j}") for j in range(1, 5)]
    async with run_hotline("inst-a", batch_size=5) as a, run_hotline("inst-b", batch_size=5) as b:
        async with redis.pipeline(transaction=False) as pipe:
            for report in reports:
                pipe.xadd(INTAKE, signed(report))
            await pipe.execute()
        answers = await outcomes(redis, 200, within=20)
        assert await pending(redis) == 0
        assert a.processor is not None
        assert b.processor is not None
        assert a.processor.completed > 0
        assert b.processor.completed > 0
        assert a.processor.completed + b.processor.completed == 200
    assert len(answers) == 200
    assert {o.command_id for o in answers} == {r["command_id"] for r in reports}
    assert all(o.status == "accepted" for o in answers)
    store = await EventStore.open(redis)
    for i, case_id in enumerate(cases):
        recorded = [entry.event() for entry in await store.read_case(case_id)]
        assert [e.case_version for e in recorded] == [1, 2, 3, 4, 5]
        assert sorted(e.causation_id for e in recorded) == sorted(f"c{i}-{j}" for j in range(5))
    assert sum([await store.numbered(p) for p in range(store.partitions)]) == 200 + REGISTERED  # and the keys'


async def test_a_report_left_pending_by_a_dead_consumer_is_reclaimed(redis: Redis, run_hotline: RunHotline) -> None:
    """Entries a consumer read and never acknowledged are claimed after the idle time and processed once."""
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    await send(redis, log_call("cmd-orphan-1"))
    await send(redis, send_letter("cmd-orphan-2"))
    await redis.xreadgroup("hotline", "dead-consumer", {INTAKE: ">"}, count=10)
    assert await pending(redis) == 2
    started = time.monotonic()
    async with run_hotline(reclaim_idle_ms=200):
        first = await outcome_of(redis, "cmd-orphan-1")
        second = await outcome_of(redis, "cmd-orphan-2")
        assert time.monotonic() - started < 5
        await wait_until(lambda: pending(redis), 0)
    assert (first.status, second.status) == ("accepted", "accepted")
    assert len(await redis.xrange(keys.OUTCOMES)) == 2


async def test_an_entry_that_keeps_failing_is_dead_lettered_with_an_answer(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """An entry delivered more than max_deliveries times goes to the dead-letter stream; its sender is told."""
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    entry_id = await send(redis, log_call("cmd-poison"))
    await redis.xreadgroup("hotline", "dead-consumer", {INTAKE: ">"}, count=1)
    # As if three earlier consumers had each died while processing it.
    await redis.xclaim(INTAKE, "hotline", "dead-consumer", 0, [entry_id], idle=60_000, retrycount=3)
    async with run_hotline(reclaim_idle_ms=100, max_deliveries=3):
        outcome = await outcome_of(redis, "cmd-poison")
        await wait_until(lambda: pending(redis), 0)
    assert outcome.reason is not None
    assert outcome.reason.code == "processing_failed"
    [(_, dead)] = await redis.xrange(DEAD)
    assert dead[b"entry_id"] == entry_id
    assert dead[b"reason"] == b"not completed after 3 deliveries"
    store = await EventStore.open(redis)
    assert sum([await store.numbered(p) for p in range(store.partitions)]) == REGISTERED  # the keys' alone


async def test_a_redis_error_mid_batch_leaves_the_report_pending_until_it_can_be_recorded(
    redis: Redis, run_hotline: RunHotline
) -> None:
    """When the append fails inside Redis, completed entries of the batch are answered, the failed one stays
    pending, and the reclaim loop records it once Redis accepts the append again."""
    case_id = "HL-BROKEN"
    number_key = keys.PartitionKeys(keys.partition_of(case_id, 4)).number
    async with run_hotline(reclaim_idle_ms=200, max_deliveries=1000) as service:
        await redis.set(number_key, "not-a-number")  # the append script's INCRBY fails before any write
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(INTAKE, {"report": b"garbage"})
            pipe.xadd(INTAKE, signed(log_call("cmd-wait", case_id=case_id)))
            await pipe.execute()
        await wait_until(lambda: dead_count(redis), 1)
        await wait_until(lambda: pending(redis), 1)
        assert service.processor is not None
        assert service.processor.completed == 1
        assert await redis.xlen(keys.OUTCOMES) == 0
        await redis.delete(number_key)
        outcome = await outcome_of(redis, "cmd-wait")
        await wait_until(lambda: pending(redis), 0)
    assert (outcome.status, outcome.case_id, outcome.version) == ("accepted", case_id, 1)


async def dead_count(redis: Redis) -> int:
    """Entries in the hotline's dead-letter stream."""
    return int(await redis.xlen(DEAD))


async def wait_until(read: Callable[[], Awaitable[int]], expected: int, within: float = 10.0) -> None:
    """Poll an async reading until it equals ``expected`` (deadline, not a fixed sleep)."""
    deadline = time.monotonic() + within
    while True:
        value = await read()
        if value == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value} after {within} s, expected {expected}")
        await asyncio.sleep(0.02)

"""One report on a case the hotline cannot fold is refused alone, at once; its neighbours in the batch are accepted."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor
from shared.outcomes import outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from shared.store.chain import link
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import DEAD, INTAKE, outcome_of, send
from tests.signing import register_test_keys, signed_fields
from tests.unit.hotline.reports import acknowledge, log_call, send_letter
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import Case


async def _processor(redis: Redis, redis_server: RedisServer) -> Processor:
    store = await register_test_keys(redis)
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    return Processor(redis, store, HotlineConfig(redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t"))


async def _batch(redis: Redis, processor: Processor, reports: list[dict[str, Any]]) -> None:
    """Put the reports on the intake, read them as the consumer, and process them as one batch."""
    entries = [(await send(redis, report), signed_fields(report)) for report in reports]
    await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=100)
    await processor.process(entries)


async def _incident_case(store: EventStore) -> str:
    """An incident case recorded by the incidents service's own domain."""
    case = Case()
    events = case.do(inc.raise_incident())
    await store.append(case.case_id, events, 0)
    return case.case_id


async def _case_with_a_future_event(store: EventStore, case_id: str) -> None:
    """A hotline case whose second event is of a type this build does not know (written as the script writes it)."""
    p = store.partition_of(case_id)
    k = store.keys(p)
    head = (await store.read_case(case_id))[-1]
    number = await store.numbered(p) + 1  # the partition may hold other cases' events (the keys' registrations)
    future = msgspec.json.encode({"type": "CallRecordingAttached", "schema_version": 1, "case_id": case_id,
                                  "case_version": 2, "event_id": "ev-future"})
    digest = link(head.hash, future)
    entry_id = await store.redis.xadd(k.log, {"n": str(number), "prev": head.hash, "hash": digest, "e": future})
    await store.redis.rpush(k.case(case_id), entry_id)
    await store.redis.hset(k.heads, case_id, f"2 {digest}")
    await store.redis.set(k.number, number)


async def test_a_report_naming_an_incident_case_is_refused_alone_and_at_once(
    redis: Redis, redis_server: RedisServer
) -> None:
    """An acknowledgement naming an incident case is rejected wrong_case_kind (to the unit that raised it; any other
    unit hears there is no such case) in the same round as the good calls and letter around it, which are
    accepted; nothing is dead-lettered and nothing stays pending."""
    processor = await _processor(redis, redis_server)
    incident = await _incident_case(processor.store)
    await _batch(redis, processor, [log_call("open", case_id="HL-GOOD")])
    batch = [
        log_call("before", case_id="HL-OTHER"),
        acknowledge(incident, "ev-x", command_id="wrong-kind", unit="VN-LC-IBGS", at="2026-11-23T09:25:00+07:00"),
        acknowledge(incident, "ev-x", command_id="outsider", unit="CN-HH-BMT"),
        send_letter("after", case_id="HL-GOOD", reference="LC/2026/7"),
    ]
    await _batch(redis, processor, batch)
    outsider = await outcome_of(redis, "outsider")
    assert outsider.reason is not None
    no_such_case = ("unknown_case", f"case_id: there is no case {incident!r}")
    assert (outsider.reason.code, outsider.reason.message) == no_such_case
    wrong = await outcome_of(redis, "wrong-kind")
    assert wrong.reason is not None
    assert (wrong.status, wrong.reason.code) == ("rejected", "wrong_case_kind")
    assert incident in wrong.reason.message
    assert [(await outcome_of(redis, c)).status for c in ("before", "after")] == ["accepted", "accepted"]
    assert await redis.xlen(DEAD) == 0
    assert (await redis.xpending(INTAKE, "hotline"))["pending"] == 0
    assert len(await processor.store.read_case(incident)) == 1  # the incident case is untouched


async def test_a_case_holding_an_event_this_build_cannot_read_refuses_its_reports_alone(
    redis: Redis, redis_server: RedisServer
) -> None:
    """A letter on a hotline case with an unknown event type is rejected case_unreadable at once (not remembered, so it
    can be decided after an upgrade), while a call on another case in the same batch is accepted."""
    processor = await _processor(redis, redis_server)
    await _batch(redis, processor, [log_call("open", case_id="HL-FUTURE")])
    await _case_with_a_future_event(processor.store, "HL-FUTURE")
    await _batch(redis, processor, [
        send_letter("on-future", case_id="HL-FUTURE", reference="LC/2026/8"), log_call("beside", case_id="HL-NEAR"),
    ])
    refused = await outcome_of(redis, "on-future")
    assert refused.reason is not None
    assert refused.reason.code == "case_unreadable"
    assert (await outcome_of(redis, "beside")).status == "accepted"
    assert await redis.get(keys.rejection("on-future")) is None
    assert (await redis.xpending(INTAKE, "hotline"))["pending"] == 0


async def test_a_batch_the_decider_fails_on_is_decided_again_report_by_report(
    redis: Redis, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug that makes deciding a whole batch raise fails only the report it raises on: that one is answered
    processing_failed and dead-lettered, the other three reports of its batch are accepted."""
    processor = await _processor(redis, redis_server)
    rounds = Processor._rounds

    async def fails_on_poison(self: Processor, reports: dict[int, Any], *args: Any) -> None:
        if any(r.command_id == "poison" for r in reports.values()):
            raise RuntimeError("a bug deciding this report")
        await rounds(self, reports, *args)

    monkeypatch.setattr(Processor, "_rounds", fails_on_poison)
    await _batch(redis, processor, [log_call(f"good-{i}", case_id=f"HL-G{i}") for i in range(2)]
                 + [log_call("poison", case_id="HL-P"), log_call("good-2", case_id="HL-G2")])
    poisoned = await outcome_of(redis, "poison")
    assert poisoned.reason is not None
    assert poisoned.reason.code == "processing_failed"
    assert [(await outcome_of(redis, f"good-{i}")).status for i in range(3)] == ["accepted"] * 3
    dead = await redis.xrange(DEAD)
    assert [fields[b"command_id"] for _, fields in dead] == [b"poison"]


async def test_a_resend_the_service_cannot_answer_fails_alone(
    redis: Redis, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resend whose recorded events cannot be read back (a newer writer's type, say) is answered
    processing_failed alone; a new report and a malformed one of its batch are answered, and nothing stays pending."""
    processor = await _processor(redis, redis_server)
    await _batch(redis, processor, [log_call("old-one", case_id="HL-OLD")])
    answered = Processor.recorded

    async def unreadable(self: Processor, report: Any, positions: Any) -> Any:
        if report.command_id == "old-one":
            raise ValueError("unknown event type 'CallRecordingAttached'")
        return await answered(self, report, positions)

    monkeypatch.setattr(Processor, "recorded", unreadable)
    entries = [(await send(redis, r), signed_fields(r))
               for r in (log_call("old-one", case_id="HL-OLD"), log_call("new-one", case_id="HL-NEW"))]
    entries.append((await redis.xadd(INTAKE, {"report": b"{not json"}), {b"report": b"{not json"}))
    await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=100)
    await processor.process(entries)
    outcomes = [o for o in await _outcomes(redis) if o.command_id in ("old-one", "new-one")]
    assert [(o.command_id, o.reason.code if o.reason else o.status) for o in outcomes[1:]] == [
        ("old-one", "processing_failed"), ("new-one", "accepted")]
    assert (await redis.xpending(INTAKE, "hotline"))["pending"] == 0


async def _outcomes(redis: Redis) -> list[Any]:
    return [outcome_decoder.decode(f[b"outcome"]) for _, f in await redis.xrange(keys.OUTCOMES)]

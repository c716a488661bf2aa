"""The same report delivered 2-10 times, with two instances of each service competing for the streams."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor
from shared.intake import batch_io
from shared.outcomes import Outcome, outcome_decoder
from shared.store import EventStore, keys
from tests.faults.conftest import CLUSTER, PARTITIONS, SINGLE, Stack, eventually
from tests.faults.ledger import answers, projections_agree, reconcile, views_match_senders
from tests.faults.reporter import stop_task
from tests.signing import signed, signed_fields
from tests.unit.hotline.reports import acknowledge, log_call

CALLS = 150
REFUSED = 20


async def _send_shuffled(redis: Redis, reports: list[dict[str, Any]], rng: random.Random) -> int:
    """Put every report on the intake 2-10 times, all copies shuffled; returns how many entries."""
    entries = [msgspec.json.encode(r) for r in reports for _ in range(rng.randint(2, 10))]
    rng.shuffle(entries)
    async with redis.pipeline(transaction=False) as pipe:
        for raw in entries:
            pipe.xadd(keys.intake("hotline"), signed(raw))
        await pipe.execute()
    return len(entries)


async def _answered(redis: Redis, command_ids: set[str], within: float = 60) -> dict[str, Outcome]:
    async def all_answered() -> bool:
        return command_ids <= (await answers(redis)).keys()

    await eventually(all_answered, within, f"{len(command_ids)} reports to be answered", every=0.1)
    found = await answers(redis)
    return {c: outcome_decoder.decode(found[c][0]) for c in command_ids}


@pytest.mark.slow
@pytest.mark.parametrize("topology", [SINGLE, CLUSTER], indirect=True)
async def test_reports_delivered_2_to_10_times_to_two_instances_record_one_set_of_events(
    stack: Stack, store: EventStore
) -> None:
    """Calls, their acknowledgements and refused reports, each sent 2-10 times and shuffled, read by two hotline
    and two projections processes: each report's events are recorded once, every copy answered the same, views exact."""
    rng = random.Random(4)
    for name in ("hotline", "hotline-2"):
        await stack.started("hotline", name, LIAISON_BATCH="10")
    for name in ("projections", "projections-2"):
        await stack.started("projections", name)
    both = {stack.consumer("projections"), stack.consumer("projections-2")}

    async def split() -> bool:  # the two share the partitions by leases (ADR 0022) within a couple of seconds
        held = [await store.redis.get(keys.lease(p, keys.PROJECTIONS_GROUP)) for p in range(PARTITIONS)]
        return {v.decode().rpartition(" ")[0] for v in held if v} == both

    await eventually(split, 10, "the two projections workers to share the partitions")
    busy: dict[str, set[str]] = {"hotline": set(), "projections": set()}
    done = asyncio.Event()
    sampling = asyncio.create_task(_sample_holders(store, busy, done))
    try:
        calls = [log_call(f"dup-call-{i}") for i in range(CALLS)]
        refused = [log_call(f"dup-refused-{i}", at="2026-11-23T09:20:00+08:00") for i in range(REFUSED)]
        sent = await _send_shuffled(store.redis, calls + refused, rng)
        first = await _answered(store.redis, {r["command_id"] for r in calls + refused})
        acks = [
            acknowledge(o.case_id or "", o.events[0].event_id, f"dup-ack-{i}")
            for i, o in enumerate(first[c["command_id"]] for c in calls)
        ]
        sent += await _send_shuffled(store.redis, acks, rng)
        await _answered(store.redis, {r["command_id"] for r in acks})
    finally:
        done.set()
        await stop_task(sampling)

    assert sent >= 2 * (2 * CALLS + REFUSED)
    ledger = await reconcile(store, {r["command_id"] for r in calls + refused + acks})
    assert len(ledger.accepted) == 2 * CALLS
    assert ledger.rejected_codes() == {"wrong_offset": REFUSED}
    assert ledger.log_entries == 2 * CALLS, "each call and each acknowledgement recorded exactly once"
    await projections_agree(store)
    # What the sender knows of each case: one call, then its acknowledgement.
    known = {first[c["command_id"]].case_id or "": {"HotlineCallLogged": 1, "MessageAcknowledged": 1} for c in calls}
    await views_match_senders(store, ledger, known)
    names = {stack.consumer(n) for n in ("hotline", "hotline-2")}
    assert busy["hotline"] == names, f"both hotline instances must have taken reports: {busy}"
    names = {stack.consumer(n) for n in ("projections", "projections-2")}
    assert busy["projections"] == names, f"both projections instances must have taken entries: {busy}"


async def _sample_holders(store: EventStore, busy: dict[str, set[str]], done: asyncio.Event) -> None:
    """Record every consumer seen holding entries (proof that both instances of a service took part)."""
    streams = [("hotline", keys.intake("hotline"), "hotline")] + [
        ("projections", store.keys(p).log, keys.PROJECTIONS_GROUP) for p in range(PARTITIONS)
    ]
    while not done.is_set():
        for service, stream, group in streams:
            try:
                summary: Any = await store.redis.xpending(stream, group)
            except Exception:  # the stream or group is not there yet
                continue
            busy[service] |= {c["name"].decode() for c in summary["consumers"] or [] if int(c["pending"])}
        await asyncio.sleep(0.005)


async def test_a_copy_racing_its_original_is_answered_like_the_original(
    stack: Stack, store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two consumers take two copies of one acknowledgement; the second looks the command up just before the
    first records it: both copies get the first copy's answer (accepted), and one event is recorded."""
    config = HotlineConfig(redis_url=stack.url, partitions=PARTITIONS, consumer="first")
    first = Processor(store.redis, store, config)
    second = Processor(store.redis, store, HotlineConfig(redis_url=stack.url, consumer="second"))
    intake = keys.intake("hotline")
    call_entry: Any = await store.redis.xadd(intake, signed(log_call("race-call")))
    await first.process([(call_entry, signed_fields(log_call("race-call")))])
    call = (await _answered(store.redis, {"race-call"}))["race-call"]
    ack = signed_fields(acknowledge(call.case_id or "", call.events[0].event_id, "race-ack"))
    copies: list[Any] = [await store.redis.xadd(intake, ack) for _ in range(2)]  # type: ignore[arg-type]

    looked_up, recorded = asyncio.Event(), asyncio.Event()
    real_lookup = batch_io.lookup

    async def lookup_then_wait(*args: Any, **kwargs: Any) -> Any:
        known = await real_lookup(*args, **kwargs)
        if not looked_up.is_set():  # only the second consumer's lookup: it then waits for the first's append
            looked_up.set()
            await recorded.wait()
        return known

    monkeypatch.setattr(batch_io, "lookup", lookup_then_wait)
    racing = asyncio.create_task(second.process([(copies[1], ack)]))
    await asyncio.wait_for(looked_up.wait(), 10)
    await first.process([(copies[0], ack)])
    recorded.set()
    await asyncio.wait_for(racing, 10)

    found = [outcome_decoder.decode(raw) for raw in (await answers(store.redis))["race-ack"]]
    assert len(found) == 2, f"each copy must be answered: {found}"
    assert found[0] == found[1], f"one command answered two ways: {found}"
    assert found[0].status == "accepted", found[0]
    assert [e.type for e in found[0].events] == ["MessageAcknowledged"], found[0]
    assert store.partition_of(call.case_id or "") in range(PARTITIONS)
    assert (await store.head(call.case_id or ""))[0] == 2

"""The deadline schedule under races, poisoned cases and refused incidents (issue 9, defects 3, 4 and 8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

import services.incidents.watch as watch_module
from services.incidents.app import IncidentsService
from services.incidents.calls import incident_case_of, incident_command_id
from services.incidents.cases import Loaded, load
from services.incidents.config import IncidentsConfig
from services.incidents.domain import HandoverState
from services.incidents.schedule import call_member, case_member, millis
from services.incidents.watch import NOT_YET_S, DeadlineWatch
from shared.events import AcceptanceOverdue, AcknowledgementOverdue, AnyEvent
from shared.outcomes import outcome_encoder, rejected
from shared.redis_server import RedisServer
from shared.store import AppendResult, EventStore, keys
from shared.store.chain import GENESIS, link
from tests.conftest import TEST_PARTITIONS
from tests.integration.incidents.conftest import RunIncidents, events_of, eventually, outcome_of, send
from tests.integration.incidents.test_deadlines import QUICK, _reported_now
from tests.signing import KEYS
from tests.unit.incidents import handover_reports as ho
from tests.unit.incidents import incident_reports as inc

IDLE_WATCH = {"scan_every_s": 3600.0}
"""The app's own watch rebuilds and scans once at start, then sleeps: the test drives every later scan."""


async def _started(service: IncidentsService) -> DeadlineWatch:
    """The app's watch, once its start-up rebuild and first scan are done."""
    watch = service.watch
    assert watch is not None
    await eventually(lambda: _true(watch.scans >= 1), what="the watch's first scan")
    return watch


async def _true(value: bool) -> bool:
    return value


async def _objecting_handover(redis: Redis, prefix: str) -> str:
    """A victim handover whose victim objects (its acceptance deadline paused)."""
    await send(redis, ho.propose(command_id=f"{prefix}-propose"))
    case_id = (await outcome_of(redis, f"{prefix}-propose")).case_id
    assert case_id is not None
    await send(redis, ho.consent(command_id=f"{prefix}-object", case_id=case_id, decision="objects_to_notification"))
    assert (await outcome_of(redis, f"{prefix}-object")).status == "accepted"
    return case_id


async def _consent(redis: Redis, prefix: str, case_id: str) -> None:
    """The victim now consents: the acceptance deadline runs again (the processor re-arms it)."""
    await send(redis, ho.consent(command_id=f"{prefix}-consent", case_id=case_id))
    assert (await outcome_of(redis, f"{prefix}-consent")).status == "accepted"


async def _accept_by(store: EventStore, case_id: str) -> int:
    state = (await load(store, case_id)).state
    assert isinstance(state, HandoverState)
    return millis(state.accept_by)


def _of(events: Sequence[AnyEvent], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


async def _poison(store: EventStore, case_id: str) -> None:
    """Make an event of a type this code does not know the case's first, written exactly as append.lua writes one."""
    k = store.keys(store.partition_of(case_id))
    event_id = f"EV-{case_id}"
    data = msgspec.json.encode(
        {"type": "IncidentTeleported", "schema_version": 1, "case_id": case_id, "case_version": 1, "event_id": event_id}
    )
    digest = link(GENESIS, data)
    number = await store.redis.incr(k.number)
    entry_id = await store.redis.xadd(k.log, {"n": number, "prev": GENESIS, "hash": digest, "e": data})
    await store.redis.rpush(k.case(case_id), entry_id)
    await store.redis.hset(k.eids, event_id, entry_id)
    await store.redis.hset(k.heads, case_id, f"1 {digest}")


async def test_a_stale_removal_by_the_watch_does_not_undo_a_re_arming(
    redis: Redis, store: EventStore, run_incidents: RunIncidents, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watch read the handover while its victim objected; consent re-armed it meanwhile, so the entry stays and
    the acceptance overdue is recorded by the next look, without a restart."""
    async with run_incidents(**IDLE_WATCH) as service:
        watch = await _started(service)
        case_id = await _objecting_handover(redis, "stale")
        key, member = keys.deadlines(store.partition_of(case_id)), case_member(case_id)
        # Left behind by an instance that stopped between the objection's append and its removal.
        accept_by = await _accept_by(store, case_id)
        await redis.zadd(key, {member: accept_by})
        async def read_then_consent(of: EventStore, read_id: str) -> Loaded:
            loaded = await load(of, read_id)
            if not raced:
                raced.append(True)
                await _consent(redis, "stale", case_id)  # ZADD + append between the watch's read and its removal
            return loaded

        raced: list[bool] = []
        monkeypatch.setattr(watch_module, "load", read_then_consent)
        after_deadline = datetime.fromtimestamp(accept_by / 1000 + 60, UTC)
        await watch.scan(after_deadline)
        await watch.scan(after_deadline)
    assert raced
    assert len(_of(await events_of(store, case_id), AcceptanceOverdue)) == 1
    assert await redis.zscore(key, member) is None  # settled once the case owed nothing more


async def test_a_processors_removal_after_its_append_does_not_undo_a_later_re_arming(
    redis: Redis, store: EventStore, run_incidents: RunIncidents, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The objection's processor removes the handover's entry after its append only if no report (here the consent,
    recorded by another instance in between) has moved the case since."""
    async with run_incidents("one", **IDLE_WATCH) as one, run_incidents("two", **IDLE_WATCH) as two:
        await _started(one)
        await _started(two)
        await send(redis, ho.propose(command_id="late-propose"))
        case_id = (await outcome_of(redis, "late-propose")).case_id
        assert case_id is not None
        raced: list[bool] = []
        for service in (one, two):
            processor = service.processor
            assert processor is not None
            real_append = processor.store.append

            async def append_then_consent(*args: Any, _real: Any = real_append, **kwargs: Any) -> AppendResult:
                result: AppendResult = await _real(*args, **kwargs)
                if kwargs.get("command_id") == "late-object" and not raced:
                    raced.append(True)
                    await _consent(redis, "late", case_id)  # the other instance decides it on the objection
                return result

            monkeypatch.setattr(processor.store, "append", append_then_consent)
        await send(redis, ho.consent(command_id="late-object", case_id=case_id, decision="objects_to_notification"))
        assert (await outcome_of(redis, "late-object")).status == "accepted"
    assert raced
    key, member = keys.deadlines(store.partition_of(case_id)), case_member(case_id)
    assert await redis.zscore(key, member) == await _accept_by(store, case_id)


async def test_an_undecodable_case_does_not_stop_the_rebuild_or_other_deadlines(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """An incident case holding an event of an unknown type is skipped by the start-up rebuild; another incident's
    deadline is still recorded."""
    await _poison(store, "IN-POISONED")
    async with run_incidents(policy=QUICK):
        await send(redis, _reported_now("fine"))
        case_id = (await outcome_of(redis, "fine")).case_id
        assert case_id is not None
        found = await eventually(
            lambda: _overdue(store, case_id), within=5.0, what="the overdue event of the readable case"
        )
    assert len(found) == 1


async def _overdue(store: EventStore, case_id: str) -> list[AcknowledgementOverdue]:
    return _of(await events_of(store, case_id), AcknowledgementOverdue)


async def test_an_undecodable_case_is_parked_and_the_scan_goes_on(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """A passed entry of an unreadable case is moved later (kept, not retried every scan) and the same scan
    still records the overdue event of the next entry."""
    async with run_incidents(**IDLE_WATCH) as service:
        watch = await _started(service)
        await send(redis, inc.raise_incident(command_id="next"))
        case_id = (await outcome_of(redis, "next")).case_id
        assert case_id is not None
        poisoned = "IN-POISONED"
        await _poison(store, poisoned)
        poison_key = keys.deadlines(store.partition_of(poisoned))
        await redis.zadd(poison_key, {case_member(poisoned): 0})  # the earliest entry of its partition
        await redis.zadd(keys.deadlines(store.partition_of(case_id)), {case_member(case_id): 1})
        now = datetime.now(UTC) + timedelta(days=3651)  # after the incident's deadline (the tests' patient policy)
        assert await watch.scan(now) == 1
    assert len(await _overdue(store, case_id)) == 1
    parked = await redis.zscore(poison_key, case_member(poisoned))
    assert parked is not None
    assert parked > millis(now)


async def test_a_call_whose_incident_was_refused_is_ended_and_not_re_armed(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """An urgent call's confirmation entry ends once its incident's RaiseIncident is known refused; a call whose
    incident may still come is only looked at again later."""
    config = IncidentsConfig(signing_key=KEYS["incidents"], redis_url=redis_server.url, partitions=TEST_PARTITIONS)
    watch = DeadlineWatch(redis, store, config)
    refused_call = call_member(incident_case_of("HL-REFUSED"), "HL-REFUSED", "EV-call-1")
    waiting_call = call_member(incident_case_of("HL-WAITING"), "HL-WAITING", "EV-call-2")
    command_id = incident_command_id("HL-REFUSED")
    refusal = rejected(command_id, "invalid_field", "location: no such border gate")
    await redis.set(keys.rejection(command_id), outcome_encoder.encode(refusal), ex=3600)
    now = datetime.now(UTC)
    for member in (refused_call, waiting_call):
        await redis.zadd(keys.deadlines(store.partition_of(member.split("|")[1])), {member: millis(now) - 60_000})
    later = now + timedelta(seconds=NOT_YET_S + 1)
    await watch.scan(now)
    await watch.scan(later)
    refused_key = keys.deadlines(store.partition_of(incident_case_of("HL-REFUSED")))
    waiting_key = keys.deadlines(store.partition_of(incident_case_of("HL-WAITING")))
    assert await redis.zscore(refused_key, refused_call) is None
    assert await redis.zscore(waiting_key, waiting_call) == millis(later + timedelta(seconds=NOT_YET_S))

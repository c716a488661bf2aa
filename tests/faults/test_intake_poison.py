"""Poison among good reports of one batch, in both intake services: the poison is answered alone, the good at once.

Every report of a scenario is on the intake before the service starts, so they are read as one
batch; the reclaim idle time is a minute, so a good report answered within seconds was answered on
its first delivery, not rescued later by the reclaim loop.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

import services.hotline.processor as hotline_processor
import services.incidents.processor as incidents_processor
from services.hotline.domain import CaseState, decide
from shared.store import EventStore, keys
from shared.store.chain import link
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import run_hotline  # noqa: F401 - a fixture, used by name
from tests.integration.incidents.conftest import (
    PATIENT,
    eventually,
    outcome_of,
    run_incidents,  # noqa: F401 - a fixture, used by name
)
from tests.signing import signed
from tests.unit.hotline import reports as hl
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import Case

GOOD = 5
VN = "VN-LC-IBGS"
"""The poison reports are sent by the unit that recorded in the case: only it is told what kind of case it is."""
ORDINARY_S = 3.0
"""Well under the reclaim idle time below: good reports answered by then were never left pending."""
RECLAIM_IDLE_MS = 60_000


async def _hotline_case(store: EventStore, case_id: str) -> None:
    await store.append(case_id, [_decided_call(case_id)], 0)


def _decided_call(case_id: str) -> Any:
    return decide(hl.command(hl.log_call(f"open-{case_id}", case_id=case_id)), CaseState(case_id=case_id),
                  datetime.now(UTC))[0]


async def _incident_case(store: EventStore) -> str:
    case = Case()
    events = case.do(inc.raise_incident(command_id="open-incident"))
    await store.append(case.case_id, events, 0)
    return case.case_id


async def _add_future_event(store: EventStore, case_id: str) -> None:
    """Append an event of a type this build does not know, as the append script would write it."""
    k = store.keys(store.partition_of(case_id))
    head = (await store.read_case(case_id))[-1]
    version = head.head()[1] + 1
    future = msgspec.json.encode({"type": "CallRecordingAttached", "schema_version": 1, "case_id": case_id,
                                  "case_version": version, "event_id": f"ev-future-{case_id}"})
    digest = link(head.hash, future)
    number = await store.redis.incr(k.number)
    entry_id = await store.redis.xadd(k.log, {"n": str(number), "prev": head.hash, "hash": digest, "e": future})
    await store.redis.rpush(k.case(case_id), entry_id)
    await store.redis.hset(k.heads, case_id, f"{version} {digest}")


def _break_decide(monkeypatch: pytest.MonkeyPatch, module: Any, command_id: str, times: int | None) -> None:
    """A bug: the service's decide raises on one report (``times`` times, or always)."""
    real = module.decide
    raised = [0]

    def broken(command: Any, *args: Any) -> Any:
        if command.command_id == command_id and (times is None or raised[0] < times):
            raised[0] += 1
            raise RuntimeError("a bug in decide")
        return real(command, *args)

    monkeypatch.setattr(module, "decide", broken)


async def _run(redis: Redis, store: EventStore, service: str, runner: Any, poison: dict[str, Any],
               good: list[dict[str, Any]], expected: str) -> None:
    intake = keys.intake(service)
    for report in [*good[:2], poison, *good[2:]]:
        await redis.xadd(intake, signed(report))
    extra = {"policy": PATIENT} if service == "incidents" else {}
    started = time.monotonic()
    async with runner(reclaim_idle_ms=RECLAIM_IDLE_MS, **extra):
        answers = [await outcome_of(redis, r["command_id"], within=ORDINARY_S) for r in good]
        assert time.monotonic() - started < ORDINARY_S + 1
        assert [a.status for a in answers] == ["accepted"] * GOOD
        bad = await outcome_of(redis, poison["command_id"], within=ORDINARY_S)
        assert bad.reason is not None
        assert (bad.status, bad.reason.code) == ("rejected", expected)
        await eventually(lambda: _nothing_pending(redis, intake, service), within=ORDINARY_S, what="all acked")
    dead = [f[b"command_id"] for _, f in await redis.xrange(keys.dead_letters(service)) if b"command_id" in f]
    assert dead == ([poison["command_id"].encode()] if expected == "processing_failed" else [])


@pytest.fixture
async def session_store(redis: Redis) -> EventStore:
    """The store on the session's redis-server, which the in-process services use (the fault suite's own ``store``
    is the stack's)."""
    return await EventStore.create(redis, TEST_PARTITIONS)


async def _nothing_pending(redis: Redis, intake: str, group: str) -> bool:
    return int((await redis.xpending(intake, group))["pending"]) == 0


HOTLINE_POISONS = ["wrong_case_kind", "unreadable_case", "raises_once", "always_raises"]


@pytest.mark.parametrize("poison", HOTLINE_POISONS)
async def test_hotline_poison_fails_alone(
    redis: Redis, session_store: EventStore, run_hotline: Any, monkeypatch: pytest.MonkeyPatch, poison: str  # noqa: F811
) -> None:
    """One poison report in a hotline batch is answered with its own code; the five good calls beside it are accepted
    on first delivery and nothing is left pending."""
    store = session_store
    good = [hl.log_call(f"good-{i}", case_id=f"HL-GOOD-{i}") for i in range(GOOD)]
    if poison == "wrong_case_kind":
        incident = await _incident_case(store)  # raised by Lao Cai station, which is told what kind of case it is
        bad = hl.acknowledge(incident, "ev-x", command_id="poison", unit=VN, at="2026-11-23T09:25:00+07:00")
        code = "wrong_case_kind"
    elif poison == "unreadable_case":
        await _hotline_case(store, "HL-FUTURE")
        await _add_future_event(store, "HL-FUTURE")
        bad = hl.send_letter("poison", case_id="HL-FUTURE", reference="LC/2026/5")
        code = "case_unreadable"
    else:
        bad, code = hl.log_call("poison", case_id="HL-POISON"), "processing_failed"
        _break_decide(monkeypatch, hotline_processor, "poison", 1 if poison == "raises_once" else None)
    await _run(redis, store, "hotline", run_hotline, bad, good, code)


@pytest.mark.parametrize("poison", HOTLINE_POISONS)
async def test_incidents_poison_fails_alone(
    redis: Redis, session_store: EventStore, run_incidents: Any, monkeypatch: pytest.MonkeyPatch, poison: str  # noqa: F811
) -> None:
    """One poison report in an incidents batch is answered with its own code; the five good incidents beside it are
    accepted on first delivery and nothing is left pending."""
    store = session_store
    good = [inc.raise_incident(command_id=f"good-{i}") for i in range(GOOD)]
    if poison == "wrong_case_kind":
        await _hotline_case(store, "HL-OTHER")
        bad = inc.acknowledge(command_id="poison", case_id="HL-OTHER", unit=VN)
        code = "wrong_case_kind"
    elif poison == "unreadable_case":
        incident = await _incident_case(store)
        await _add_future_event(store, incident)
        bad, code = inc.acknowledge(command_id="poison", case_id=incident, unit=VN), "case_unreadable"
    else:
        bad, code = inc.raise_incident(command_id="poison"), "processing_failed"
        _break_decide(monkeypatch, incidents_processor, "poison", 1 if poison == "raises_once" else None)
    await _run(redis, store, "incidents", run_incidents, bad, good, code)

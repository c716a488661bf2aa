"""Deadlines: a passed one records exactly one overdue event, with two instances and across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
from redis.asyncio import Redis

from services.incidents.app import IncidentsService
from services.incidents.domain import default_policy
from shared.events import AcknowledgementOverdue, IncidentAcknowledged, IncidentRaised
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.incidents.conftest import RunIncidents, events_of, eventually, outcome_of, send
from tests.unit.incidents import incident_reports as inc

QUICK = msgspec.structs.replace(default_policy(), acknowledge_within=timedelta(seconds=1))
"""Incidents must be acknowledged within a second."""


def _reported_now(command_id: str) -> dict[str, Any]:
    """An incident reported now by Lao Cai station (its deadline runs from the report's time)."""
    at = datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).replace(microsecond=0)
    happened = at - timedelta(minutes=20)
    return inc.raise_incident(command_id=command_id, at=at.isoformat(), happened_at=happened.isoformat())


async def _scans(*services: IncidentsService, more: int = 3) -> None:
    """Wait until every service's deadline watch has completed ``more`` further scans."""
    start = [s.watch.scans if s.watch else 0 for s in services]

    async def done() -> bool:
        return all(s.watch is not None and s.watch.scans >= n + more for s, n in zip(services, start, strict=True))

    await eventually(done, what=f"{more} more deadline scans")


async def _overdue(store: EventStore, case_id: str) -> list[AcknowledgementOverdue]:
    return [e for e in await events_of(store, case_id) if isinstance(e, AcknowledgementOverdue)]


async def _clear_schedule(redis: Redis) -> None:
    await redis.delete(*(keys.deadlines(p) for p in range(TEST_PARTITIONS)))


async def test_two_instances_record_one_overdue_event_and_a_restart_adds_none(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Both watches see the passed deadline; the log gets one AcknowledgementOverdue, and no more after a restart."""
    async with run_incidents("one", policy=QUICK) as one, run_incidents("two", policy=QUICK) as two:
        await send(redis, _reported_now("late"))
        case_id = (await outcome_of(redis, "late")).case_id
        assert case_id is not None
        await eventually(lambda: _overdue(store, case_id), what="an overdue event")
        await _scans(one, two)
        assert one.watch is not None
        assert two.watch is not None
        assert one.watch.recorded + two.watch.recorded == 1
    await _clear_schedule(redis)  # the restart rebuilds the schedule from the cases
    async with run_incidents("three", policy=QUICK) as three:
        await _scans(three)
    [overdue] = await _overdue(store, case_id)
    assert overdue.owed_by == ("CN-HK-IBCS",)
    assert await redis.zcard(keys.deadlines(store.partition_of(case_id))) == 0


async def test_a_deadline_that_passed_while_no_instance_ran_is_recorded_once_on_restart(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """The service stops before the deadline and its schedule is lost; two instances started later record it once."""
    async with run_incidents("one", policy=QUICK):
        await send(redis, _reported_now("while-down"))
        case_id = (await outcome_of(redis, "while-down")).case_id
        assert case_id is not None
    await _clear_schedule(redis)
    await asyncio.sleep(1.1)  # not synchronisation: the deadline (one second after the raise) has to pass
    assert await _overdue(store, case_id) == []
    async with run_incidents("two", policy=QUICK) as two, run_incidents("three", policy=QUICK) as three:
        await eventually(lambda: _overdue(store, case_id), what="an overdue event after the restart")
        await _scans(two, three)
    assert len(await _overdue(store, case_id)) == 1


async def test_an_incident_acknowledged_in_time_is_never_overdue(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Acknowledged before its deadline, an incident owes nothing when the watch scans past the deadline, while
    one raised beside it and left unacknowledged falls overdue in that same scan."""
    policy = msgspec.structs.replace(default_policy(), acknowledge_within=timedelta(minutes=10))
    async with run_incidents(policy=policy) as service:
        await send(redis, _reported_now("on-time"))
        await send(redis, _reported_now("left-alone"))
        case_id = (await outcome_of(redis, "on-time")).case_id
        other = (await outcome_of(redis, "left-alone")).case_id
        assert case_id is not None
        assert other is not None
        await send(redis, inc.acknowledge(command_id="on-time-ack", case_id=case_id))
        assert (await outcome_of(redis, "on-time-ack")).status == "accepted"
        raised = (await events_of(store, case_id))[0]
        assert isinstance(raised, IncidentRaised)
        assert service.watch is not None
        # The watch's own clock is minutes from the deadline; this scan is told it has passed.
        await service.watch.scan(raised.acknowledge_by + timedelta(seconds=1))
    assert [type(e) for e in await events_of(store, case_id)][-1] is IncidentAcknowledged
    assert await _overdue(store, case_id) == []
    assert len(await _overdue(store, other)) == 1, "the scan saw the deadline passed"

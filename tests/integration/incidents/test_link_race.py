"""A link of a later urgent call never loses the race with its incident, across two incidents instances (0005).

Two processors share one Redis and one consumer group, each holding one of the two entries, as
two processes would after reading different batches: the link is decided before the incident.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from services.incidents.calls import LINK_PREFIX, incident_case_of, incident_command_id
from services.incidents.config import GROUP, IncidentsConfig
from services.incidents.domain import reasons as reasons
from services.incidents.processor import Processor
from shared.events import CasesLinked
from shared.outcomes import Outcome, outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.incidents.conftest import RunIncidents, outcome_of, send
from tests.signing import KEYS, signed
from tests.unit.incidents import incident_reports as incident

HOTLINE_CASE = "HL-ABCDEFGHIJKL"
INCIDENT = incident_case_of(HOTLINE_CASE)
INTAKE = keys.intake("incidents")
Entry = tuple[bytes, dict[bytes, bytes]]


def _raise(**overrides: Any) -> dict[str, Any]:
    return incident.raise_incident(command_id=incident_command_id(HOTLINE_CASE), linked_cases=[HOTLINE_CASE],
                                   **overrides)


def _link(command_id: str = f"{LINK_PREFIX}0193-second-call") -> dict[str, Any]:
    return incident.link(command_id=command_id, case_id=INCIDENT, cases=[HOTLINE_CASE])


async def _take(redis: Redis, consumer: str, report: dict[str, Any]) -> list[Entry]:
    """Put one report on the intake and have ``consumer`` read it (it is then pending for that consumer)."""
    await redis.xadd(INTAKE, signed(report))
    read: Any = await redis.xreadgroup(GROUP, consumer, {INTAKE: ">"}, count=1)
    return [(entry_id, fields) for entry_id, fields in read[0][1]]


async def _outcomes(redis: Redis) -> dict[str, Outcome]:
    entries: Any = await redis.xrange(keys.OUTCOMES)
    return {f[b"command_id"].decode(): outcome_decoder.decode(f[b"outcome"]) for _, f in entries}


async def _pending(redis: Redis) -> int:
    summary: Any = await redis.xpending(INTAKE, GROUP)
    return int(summary["pending"])


async def _two(redis: Redis, store: EventStore, url: str) -> tuple[Processor, Processor]:
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    return tuple(  # type: ignore[return-value]
        Processor(redis, store, IncidentsConfig(
            signing_key=KEYS["incidents"], redis_url=url, partitions=TEST_PARTITIONS, consumer=name))
        for name in ("a", "b")
    )


async def test_a_link_decided_before_its_incident_waits_and_is_then_recorded(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Instance b gets the link first: no answer, still pending; once a appends the incident, b records the link."""
    a, b = await _two(redis, store, redis_server.url)
    raise_entry = await _take(redis, "a", _raise())
    link_entry = await _take(redis, "b", _link())
    await b.process(link_entry)
    assert await _outcomes(redis) == {}  # not answered unknown_case: left pending for the reclaim loop
    assert await _pending(redis) == 2
    await a.process(raise_entry)
    await b.process(link_entry)  # what b's reclaim loop does a few seconds later
    answered = await _outcomes(redis)
    assert [answered[c].status for c in (incident_command_id(HOTLINE_CASE), _link()["command_id"])] == [
        "accepted", "accepted"]
    assert await _pending(redis) == 0
    events = [entry.event() for entry in await store.read_case(INCIDENT)]
    assert [type(e).__name__ for e in events] == ["IncidentRaised", "CasesLinked"]
    assert isinstance(events[1], CasesLinked)
    assert events[1].cases == (HOTLINE_CASE,)


async def test_a_link_whose_incident_was_refused_is_answered_at_once(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """If the incident's report was refused, waiting is pointless: unknown_case, saying which report was refused."""
    a, b = await _two(redis, store, redis_server.url)
    await a.process(await _take(redis, "a", _raise(parties=["VN-LC-BGC"])))  # no unit across the border
    await b.process(await _take(redis, "b", _link()))
    answered = await _outcomes(redis)
    assert answered[incident_command_id(HOTLINE_CASE)].status == "rejected"
    link = answered[_link()["command_id"]]
    assert link.reason is not None
    assert link.reason.code == reasons.UNKNOWN_CASE
    assert incident_command_id(HOTLINE_CASE) in link.reason.message
    assert "invalid_party" in link.reason.message
    assert await _pending(redis) == 0


async def test_an_officers_link_to_a_case_that_does_not_exist_is_refused_at_once(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Only the service's own urgent-call links wait: a tool's link naming no existing case gets unknown_case now."""
    _, b = await _two(redis, store, redis_server.url)
    await b.process(await _take(redis, "b", _link(command_id="officer-link-1")))
    outcome = (await _outcomes(redis))["officer-link-1"]
    assert outcome.reason is not None
    assert outcome.reason.code == reasons.UNKNOWN_CASE
    assert await _pending(redis) == 0


async def test_the_running_service_records_a_waiting_link_once_its_incident_arrives(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """The app's reclaim loop decides the waiting link again: answered only after the incident, and accepted."""
    async with run_incidents(reclaim_idle_ms=300):
        await send(redis, _link())
        # A report sent after the link is answered only once the link's batch was decided: then the link was
        # seen, and left waiting (pending, unanswered).
        await send(redis, incident.raise_incident(command_id="after-the-link"))
        assert (await outcome_of(redis, "after-the-link")).status == "accepted"
        assert _link()["command_id"] not in await _outcomes(redis)
        assert await _pending(redis) == 1
        await send(redis, _raise())
        linked = await outcome_of(redis, _link()["command_id"])
    assert linked.status == "accepted"
    assert linked.version == 2


async def test_a_waiting_link_outlives_max_deliveries_until_its_incident_comes(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Delivered too often while its incident sits with a crashed instance, the link is not dead-lettered:
    it keeps waiting (by age, not by deliveries) and is recorded once the incident is appended."""
    a, b = await _two(redis, store, redis_server.url)
    raise_entry = await _take(redis, "a", _raise())
    link_entry = await _take(redis, "b", _link())
    given_up = frozenset(entry_id for entry_id, _ in link_entry)
    await b.process(link_entry, given_up)
    assert await _outcomes(redis) == {}
    assert await redis.xlen(keys.dead_letters("incidents")) == 0
    await a.process(raise_entry)
    await b.process(link_entry, given_up)
    assert _link()["command_id"] in {c for c, o in (await _outcomes(redis)).items() if o.status == "accepted"}


async def test_a_link_that_waited_too_long_is_dead_lettered(
    redis: Redis, store: EventStore, redis_server: RedisServer
) -> None:
    """Past its waiting time (a few reclaim idle times) a link given up is dead-lettered as any report is."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    config = IncidentsConfig(
        signing_key=KEYS["incidents"], redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="b",
        reclaim_idle_ms=1,
    )
    b = Processor(redis, store, config)
    link_entry = await _take(redis, "b", _link())
    await asyncio.sleep(0.01)
    await b.process(link_entry, frozenset(entry_id for entry_id, _ in link_entry))
    answered = await _outcomes(redis)
    assert answered[_link()["command_id"]].reason is not None
    assert answered[_link()["command_id"]].reason.code == reasons.PROCESSING_FAILED  # type: ignore[union-attr]

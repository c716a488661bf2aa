"""One unreadable hotline event does not stop the incidents service's reader of hotline events."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from services.incidents.calls import incident_case_of
from shared.events import IncidentRaised
from shared.follow import parked_key
from shared.store import EventStore
from tests.integration.incidents.conftest import RunIncidents, eventually
from tests.integration.incidents.test_talk_through_events import _call, _of_type


async def _unreadable_first_event(store: EventStore, redis: Redis, case_id: str) -> str:
    """Version 1 of ``case_id``: an entry the log and the case index hold, whose event cannot be decoded."""
    p = store.partition_of(case_id)
    k = store.keys(p)
    bad = json.dumps({"type": "HotlineCallLogged", "case_id": case_id, "case_version": 1, "event_id": "x"})
    entry_id: bytes = await redis.xadd(k.log, {"n": "1", "prev": "0" * 64, "hash": "0" * 64, "e": bad})
    await redis.rpush(k.case(case_id), entry_id)
    await redis.hset(k.heads, case_id, "1 " + "0" * 64)
    return entry_id.decode()


async def test_an_unreadable_earlier_event_neither_stops_the_call_nor_the_calls_beside_it(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """A case whose version 1 cannot be decoded: its urgent call (v2) and another case's call both open incidents,
    and the unreadable entry is parked with its reason in the incidents group's parking hash."""
    poisoned, beside = "HL-POISONCASE01", "HL-BESIDECASE01"
    bad = await _unreadable_first_event(store, redis, poisoned)
    await store.append(poisoned, [_call(poisoned, 2)], 1)
    await store.append(beside, [_call(beside, 1)], 0)
    async with run_incidents(reclaim_idle_ms=100, max_deliveries=3):
        for hotline_case in (beside, poisoned):
            incident = incident_case_of(hotline_case)
            [raised] = await eventually(lambda i=incident: _of_type(store, i, IncidentRaised), what=f"{incident}")
            assert isinstance(raised, IncidentRaised)
            assert raised.linked_cases == (hotline_case,)

        parking = parked_key(store, store.partition_of(poisoned), "incidents")

        async def parked() -> dict[str, object] | None:
            raw = await redis.hget(parking, bad)
            return json.loads(raw) if raw else None

        record = await eventually(parked, what="the unreadable entry parked")
    assert "ValidationError" in record["reason"]
    assert record["deliveries"] == 3

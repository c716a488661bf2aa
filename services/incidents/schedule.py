"""The deadline schedule: per partition, a sorted set of what may fall due (member -> deadline in Unix ms).

Members are ``case|<case id>`` (an incident's acknowledgement, a handover's acceptance: ``due``
finds which) and ``call|<incident case>|<hotline case>|<call event id>`` (an urgent call's written
confirmation, recorded on the incident case opened for it). An entry is only a reminder to look:
the watch re-reads the case and asks the domain, so a stale or repeated entry costs a read, never
a wrong or second event. Entries are added *before* the append that creates the obligation (a
crash after the append cannot lose one) and removed only after the case is seen settled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from services.incidents.domain import CaseState, Policy, due
from shared.store import EventStore, keys

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
"""An instant after every deadline: ``due`` at this instant lists every obligation the case still owes."""

CASE = "case"
CALL = "call"


def next_deadline(state: CaseState, policy: Policy) -> datetime | None:
    """The earliest deadline the case still owes something by, as the domain's ``due`` sees it; None if none.

    Asking ``due`` about the far future keeps this in step with the domain's own rules (an
    acknowledged incident, an answered handover, a victim's standing objection owe nothing).
    """
    owed = due(state, FAR_FUTURE, policy)
    deadlines = [event.deadline for event in owed if hasattr(event, "deadline")]
    return min(deadlines) if deadlines else None


def case_member(case_id: str) -> str:
    """The member of a case's own deadline."""
    return f"{CASE}|{case_id}"


def call_member(incident_case: str, hotline_case: str, call_id: str) -> str:
    """The member of an urgent call's written-confirmation deadline."""
    return f"{CALL}|{incident_case}|{hotline_case}|{call_id}"


def millis(moment: datetime) -> int:
    """Unix milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


class Schedule:
    """Reads and writes the per-partition deadline sets."""

    def __init__(self, redis: Redis, store: EventStore) -> None:
        self.redis = redis
        self.store = store

    def key_of(self, case_id: str) -> str:
        """The set a case's entries go to (the partition of the case)."""
        return keys.deadlines(self.store.partition_of(case_id))

    async def expect(self, case_id: str, member: str, deadline: datetime) -> None:
        """Remember to look at ``member`` when ``deadline`` passes."""
        await self.redis.zadd(self.key_of(case_id), {member: millis(deadline)})

    async def settle(self, case_id: str, member: str) -> None:
        """Nothing more falls due for ``member``."""
        await self.redis.zrem(self.key_of(case_id), member)

    async def after_case(self, state: CaseState, policy: Policy) -> None:
        """Bring the case's own entry in line with its state (added, moved or removed)."""
        deadline = next_deadline(state, policy)
        member = case_member(state.case_id)
        if deadline is None:
            await self.settle(state.case_id, member)
        else:
            await self.expect(state.case_id, member, deadline)

    async def passed(self, partition: int, now: datetime, count: int) -> list[str]:
        """Up to ``count`` members of a partition whose deadline is at or before ``now``, earliest first."""
        raw: Any = await self.redis.zrangebyscore(
            keys.deadlines(partition), "-inf", millis(now), start=0, num=count
        )
        return [m.decode() for m in raw]

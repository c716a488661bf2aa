"""The deadline schedule: per partition, a sorted set of what may fall due (member -> deadline in Unix ms).

Members are ``case|<case id>`` (an incident's acknowledgement, a handover's acceptance: ``due``
finds which) and ``call|<incident case>|<hotline case>|<call event id>`` (an urgent call's written
confirmation, recorded on the incident case opened for it). An entry is only a reminder to look:
the watch re-reads the case and asks the domain, so a stale or repeated entry costs a read, never
a wrong or second event. A *missing* entry is the one real harm (the overdue event waits for a
restart's rebuild), so every writer follows two rules:

- Arming before an append is unconditional (``expect``): a crash after the append cannot lose the
  deadline, and an entry armed for an append that is then refused only costs a read.
- Every change decided from a state read earlier is conditional, checked and applied in one
  script on the partition's deadline set and heads hash (same hash tag, so also on a Cluster):
  it applies only while the case's head is still at the version that was read (``after_append``,
  ``after_case``) and/or the entry still has the score that was read (``after_case`` from a scan,
  ``end``, ``defer``). Otherwise someone appended or re-armed since, and their change stands.

The head check alone leaves one window: a processor arms (ZADD) before its append, so a remover
that read the older version may still pass the check between that ZADD and the append, and a
re-arming to the *same* deadline (a victim's consent after an objection resumes the handover's
unchanged ``accept_by``) leaves no trace in the score either. ``after_append`` closes it: after
its append the processor brings the entry in line again, conditionally on its own new version.
Only a crash in exactly that window still loses an entry until the next rebuild.
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

_CHANGE = """
-- KEYS: 1 the partition's deadline set, 2 its heads hash (same hash tag)
-- ARGV: 1 member, 2 case id, 3 case version the change was decided on ("" = any),
--       4 score the entry was read with ("" = any; the entry must exist), 5 new score ("" = remove)
-- Reply: 1 if applied, 0 if the case or the entry moved since (nothing written)
if ARGV[3] ~= "" then
  local head = redis.call("HGET", KEYS[2], ARGV[2])
  local version = 0
  if head then version = tonumber(string.match(head, "^(%d+) ")) end
  if version ~= tonumber(ARGV[3]) then return 0 end
end
if ARGV[4] ~= "" then
  local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
  if not score or tonumber(score) ~= tonumber(ARGV[4]) then return 0 end
end
if ARGV[5] == "" then
  redis.call("ZREM", KEYS[1], ARGV[1])
else
  redis.call("ZADD", KEYS[1], ARGV[5], ARGV[1])
end
return 1
"""


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
        self._change = redis.register_script(_CHANGE)

    def key_of(self, case_id: str) -> str:
        """The set a case's entries go to (the partition of the case)."""
        return keys.deadlines(self.store.partition_of(case_id))

    async def expect(self, case_id: str, member: str, deadline: datetime) -> None:
        """Remember to look at ``member`` when ``deadline`` passes (unconditional: before the append it is for)."""
        await self.redis.zadd(self.key_of(case_id), {member: millis(deadline)})

    async def after_append(self, case_id: str, version: int, deadline: datetime | None) -> bool:
        """After an append that left the case at ``version``: its own entry armed for ``deadline`` or removed
        (None), unless the case has moved on (its newer appender decides); True if applied."""
        return await self._apply(case_id, case_member(case_id), version, None, deadline)

    async def after_case(self, state: CaseState, policy: Policy, armed: int | None = None) -> bool:
        """Bring the case's own entry in line with ``state`` (added, moved or removed); True if applied.

        Not applied if the case is no longer at ``state.version``, nor if ``armed`` (the score the
        entry was read with) is given and the entry no longer has it.
        """
        return await self._apply(
            state.case_id, case_member(state.case_id), state.version, armed, next_deadline(state, policy)
        )

    async def end(self, case_id: str, member: str, armed: int) -> bool:
        """Nothing more falls due for ``member``: removed if it still has the score it was read with."""
        return await self._apply(case_id, member, None, armed, None)

    async def defer(self, case_id: str, member: str, armed: int, until: datetime) -> bool:
        """Look at ``member`` again at ``until`` instead, if it still has the score it was read with."""
        return await self._apply(case_id, member, None, armed, until)

    async def passed(self, partition: int, now: datetime, count: int) -> list[tuple[str, int]]:
        """Up to ``count`` (member, score) of a partition whose deadline is at or before ``now``, earliest first."""
        raw: Any = await self.redis.zrangebyscore(
            keys.deadlines(partition), "-inf", millis(now), start=0, num=count, withscores=True
        )
        return [(member.decode(), int(score)) for member, score in raw]

    async def _apply(
        self, case_id: str, member: str, version: int | None, armed: int | None, deadline: datetime | None
    ) -> bool:
        partition = self.store.partition_of(case_id)
        args = [
            member,
            case_id,
            "" if version is None else str(version),
            "" if armed is None else str(armed),
            "" if deadline is None else str(millis(deadline)),
        ]
        applied: Any = await self._change(keys=[keys.deadlines(partition), self.store.keys(partition).heads], args=args)
        return bool(applied)

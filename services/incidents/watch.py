"""The deadline watch: records each missed deadline exactly once, whatever the number of instances.

Every ``scan_every_s`` it takes the schedule's entries whose deadline passed, re-reads the case
and asks the domain what is owed (``due`` / ``confirmation_due``). The overdue event's id is
derived from (case, obligation, deadline): two instances racing build the same event, the store
keeps one (the second append is answered as a duplicate, or refused on version and, re-read, owes
nothing). An entry is removed or moved only on the condition that neither the case nor the entry
changed since it was read (schedule.py): a report recorded meanwhile may have re-armed it.

At start the schedule is rebuilt from the open cases' states (every incident and handover head),
so a deadline whose entry went missing (a flushed key, a store written before the schedule
existed) is still found; rebuilding is idempotent, as entries are only reminders.

One case that cannot be read or folded (an event type or schema this code does not know, a bug)
must not stop every other deadline: rebuild logs it and goes on, and the scan parks its entry
(moves it ``PARK_S`` later, logged with the error) rather than taking it again every scan, where
a hundred such entries (``SCAN_COUNT``) would hide every later deadline of the partition. Redis
failures still end the pass: the loop retries it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from redis.asyncio import Redis

from services.incidents.calls import incident_command_id
from services.incidents.cases import load
from services.incidents.config import IncidentsConfig
from services.incidents.domain import IncidentState, UnexpectedEvent, UrgentCall, confirmation_due, due, fold
from services.incidents.processor import REDIS_FAILURES
from services.incidents.schedule import CALL, CASE, Schedule, case_member
from shared.events import AnyEvent, ConfirmationOverdue, HotlineCallLogged, UrgentCallConfirmedInWriting
from shared.outcomes import outcome_decoder
from shared.store import ConcurrencyConflict, EventStore, keys

log = structlog.get_logger("incidents")

SCAN_COUNT = 100
"""Entries taken per partition per scan."""

NOT_YET_S = 5.0
"""An urgent call's incident case does not exist yet (its report is still queued): look again this much later."""

PARK_S = 300.0
"""An entry whose case cannot be read is looked at again this much later (a fix may be deployed meanwhile)."""

OPENING_PREFIXES = ("IN-", "HO-")
"""Cases that can owe a deadline of their own: incidents and handovers."""


class DeadlineWatch:
    """Scans the schedule and appends overdue events."""

    def __init__(self, redis: Redis, store: EventStore, config: IncidentsConfig) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.schedule = Schedule(redis, store)
        self.recorded = 0
        """Overdue events this process appended (a duplicate another instance recorded first is not counted)."""
        self.scans = 0
        """Scans completed (tests wait on it instead of sleeping)."""

    async def run(self) -> None:
        """Rebuild, then scan forever; failures are logged and the loop goes on."""
        rebuilt = False
        while True:
            try:
                if not rebuilt:
                    await self.rebuild()
                    rebuilt = True
                await self.scan(datetime.now(UTC))
                self.scans += 1
            except REDIS_FAILURES as err:
                log.warning("deadline_scan_failed", error=str(err))
            except Exception:  # the watch is the only way deadlines are recorded: it must not die
                log.exception("deadline_scan_failed")
            await asyncio.sleep(self.config.scan_every_s)

    async def rebuild(self) -> int:
        """Put every open incident's and handover's deadline in the schedule; returns how many cases were read."""
        read = 0
        for partition in range(self.store.partitions):
            heads = await self.store.heads(partition)
            for case_id in heads:
                if not case_id.startswith(OPENING_PREFIXES):
                    continue
                try:
                    loaded = await load(self.store, case_id)
                except UnexpectedEvent:
                    continue
                except REDIS_FAILURES:
                    raise
                except Exception:  # its entry, if any, stays: the scan parks it
                    log.exception("deadline_case_unreadable", case_id=case_id)
                    continue
                read += 1
                await self.schedule.after_case(loaded.state, self.config.policy)
        log.info("deadlines_rebuilt", cases=read)
        return read

    async def scan(self, now: datetime) -> int:
        """One pass over every partition's passed deadlines; returns how many overdue events this pass appended."""
        appended = 0
        for partition in range(self.store.partitions):
            for member, armed in await self.schedule.passed(partition, now, SCAN_COUNT):
                kind, _, rest = member.partition("|")
                case_id = rest.split("|", 1)[0]
                shaped = (kind == CASE and "|" not in rest) or (kind == CALL and rest.count("|") == 2)
                if not shaped or self.store.partition_of(case_id) != partition:  # no writer of ours made it
                    log.warning("deadline_entry_unknown", member=member)
                    await self.redis.zrem(keys.deadlines(partition), member)
                    continue
                try:
                    if kind == CASE:
                        appended += await self._case(case_id, armed, now)
                    else:
                        appended += await self._call(member, rest, armed, now)
                except REDIS_FAILURES:
                    raise
                except Exception as err:
                    log.exception("deadline_entry_parked", case_id=case_id, member=member, error=repr(err),
                                  retry_in_s=PARK_S)
                    await self.schedule.defer(case_id, member, armed, now + timedelta(seconds=PARK_S))
        return appended

    async def _append(self, case_id: str, events: list[AnyEvent], version: int, head_hash: str) -> bool:
        """Append overdue events; True if recorded now, False if already recorded; raises ConcurrencyConflict."""
        result = await self.store.append(case_id, events, version, head_hash=head_hash)
        if result.duplicate:
            return False
        self.recorded += len(events)
        for event in events:
            log.info("overdue", case_id=case_id, type=type(event).__name__, event_id=event.event_id)
        return True

    async def _case(self, case_id: str, armed: int, now: datetime) -> int:
        """An incident's or handover's own deadline (``armed``: the entry's score when it was taken)."""
        for _ in range(self.config.append_tries):
            try:
                loaded = await load(self.store, case_id)
            except UnexpectedEvent:  # not an incident or a handover: nothing will ever fall due
                await self.schedule.end(case_id, case_member(case_id), armed)
                return 0
            events = due(loaded.state, now, self.config.policy)
            if not events:
                if await self.schedule.after_case(loaded.state, self.config.policy, armed):
                    return 0
                continue  # a report was recorded (and may have re-armed the entry) since the read: read again
            try:
                appended = await self._append(case_id, events, loaded.state.version, loaded.head_hash)
            except ConcurrencyConflict:
                continue  # the case moved: read it again and check again
            if not appended:
                continue  # another instance recorded it: re-read, then settle the entry from what the case owes
            return len(events)
        return 0  # kept in the schedule: the next scan tries again

    async def _call(self, member: str, rest: str, armed: int, now: datetime) -> int:
        """An urgent call's written confirmation, recorded on the incident case opened for the call."""
        incident_case, hotline_case, call_id = rest.split("|", 2)
        for _ in range(self.config.append_tries):
            call = await self._urgent_call(incident_case, hotline_case, call_id)
            if isinstance(call, str):
                log.warning("deadline_entry_ended", member=member, case_id=incident_case, reason=call)
                await self.schedule.end(incident_case, member, armed)
                return 0
            if call is None:  # its RaiseIncident is still on the intake
                await self.schedule.defer(incident_case, member, armed, now + timedelta(seconds=NOT_YET_S))
                return 0
            urgent, head_hash = call
            events: list[AnyEvent] = list(confirmation_due(urgent, now, self.config.policy))
            if not events:
                if urgent.confirmed or urgent.overdue_recorded:
                    await self.schedule.end(incident_case, member, armed)
                else:  # taken early (after a "not yet" look): wait for the deadline itself, not every scan
                    deadline = urgent.logged_at + self.config.policy.confirm_within
                    await self.schedule.defer(incident_case, member, armed, deadline)
                return 0
            try:
                appended = await self._append(incident_case, events, urgent.case_version, head_hash)
            except ConcurrencyConflict:
                continue
            if appended:
                await self.schedule.end(incident_case, member, armed)
                return 1
        return 0

    async def _urgent_call(
        self, incident_case: str, hotline_case: str, call_id: str
    ) -> tuple[UrgentCall, str] | str | None:
        """The call's facts from both cases' logs and the incident case's head hash; None while the incident
        case is not opened; why not, if it never will be usable (its incident refused, no such call, not an
        incident case)."""
        incident = await self.store.read_case(incident_case)
        if not incident:
            return await self._refused(hotline_case)
        events = [entry.event() for entry in incident]
        try:
            state = fold(incident_case, events)
        except UnexpectedEvent:
            return f"{incident_case} is not a case of the incidents service"
        if not isinstance(state, IncidentState):
            return f"{incident_case} is not an incident"
        overdue = any(isinstance(e, ConfirmationOverdue) and e.call_id == call_id for e in events)
        logged: HotlineCallLogged | None = None
        confirmed = False
        for entry in await self.store.read_case(hotline_case):
            event = entry.event()
            if isinstance(event, HotlineCallLogged) and event.event_id == call_id:
                logged = event
            elif isinstance(event, UrgentCallConfirmedInWriting) and event.call_id == call_id:
                confirmed = True
        if logged is None:
            return f"no call {call_id} in {hotline_case}"
        urgent = UrgentCall(
            case_id=incident_case,
            case_version=state.version,
            call_id=call_id,
            caller_unit=logged.caller_unit,
            callee_unit=logged.callee_unit,
            logged_at=logged.recorded_at,
            correlation_id=logged.correlation_id,
            handling=logged.handling,
            exercise=logged.exercise,
            confirmed=confirmed,
            overdue_recorded=overdue,
        )
        return urgent, incident[-1].hash

    async def _refused(self, hotline_case: str) -> str | None:
        """Why the incident of a hotline case will never be opened (its RaiseIncident was refused); None: not yet.

        Only that report opens it (its case id derives from the command id), and a resend of a
        refused report gets the remembered refusal, so the refusal is final.
        """
        command_id = incident_command_id(hotline_case)
        refused = await self.redis.get(keys.rejection(command_id))
        if refused is None:
            return None
        reason = outcome_decoder.decode(refused).reason
        return f"its incident's report {command_id} was refused ({'unknown' if reason is None else reason.code})"

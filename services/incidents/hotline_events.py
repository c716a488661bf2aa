"""Services talk through events: the incidents service reads the hotline's events from the partition logs.

Consumer group ``incidents`` on every partition log, read by shared/follow's log follower (group
created at 0, so every event ever logged is seen; retries with backoff; the XAUTOCLAIM sweep). Only
``HotlineCallLogged`` with ``urgent`` matters: it opens or links an incident (``calls.py``, submitted
to the incidents intake) and, when written confirmation is required, puts the confirmation deadline
in the schedule. Everything else (also a type this code does not know) is acknowledged as read. An
entry is acknowledged after its reports and schedule entry are written, so a crash repeats them,
and their derived command ids make the repeat record nothing new.

Each entry is handled on its own: one that raises is retried with backoff while the others are
acked, and the later entries of its hotline case wait behind it (ordering per case). After
``max_deliveries`` it is parked, with its reason, in this group's own parking hash of its partition,
``liaison:{pN}:parked:incidents`` (position -> JSON record, the projections' format), with an error
log line ``log entry parked`` and the partition's ``metrics:parked`` counter; not in the dead-letter
stream, which holds intake reports.
"""

from __future__ import annotations

import msgspec
import structlog
from redis.asyncio import Redis

from services.incidents.calls import incident_case_of, link_for, raise_for
from services.incidents.config import GROUP, IncidentsConfig
from services.incidents.domain.commands import AnyCommand
from services.incidents.schedule import Schedule, call_member
from services.incidents.submit import signing_key, submit
from shared.events import HotlineCallLogged
from shared.follow import Delivery, Follower, per_entry
from shared.follow.batch import describe
from shared.intake.consumers import forget_departed
from shared.logging import bound
from shared.store import EventStore, RecordedEvent

log = structlog.get_logger("incidents")


class _Case(msgspec.Struct):
    case_id: str


_case_decoder = msgspec.json.Decoder(_Case)


def case_of(entry: Delivery) -> str | None:
    """The hotline case of a log entry (its events are handled in log order); None if unreadable."""
    try:
        return _case_decoder.decode(entry.fields[b"e"]).case_id
    except (KeyError, msgspec.ValidationError, msgspec.DecodeError):
        return None


class HotlineEvents:
    """Reads every partition log in the ``incidents`` group and acts on urgent hotline calls."""

    def __init__(self, redis: Redis, store: EventStore, config: IncidentsConfig) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.schedule = Schedule(redis, store)
        self.key = signing_key(config)
        # An entry delivered over twice max_deliveries times never failed in a handler (it would be parked
        # by then): processes died on it, so it is parked without being handed again.
        self.follower = Follower(
            redis, store, GROUP, config.consumer, per_entry(self._one, case_of), key=case_of, count=config.batch_size,
            block_ms=config.log_block_ms, reclaim_idle_ms=config.reclaim_idle_ms,
            max_deliveries=config.max_deliveries, give_up_after=2 * config.max_deliveries, service="incidents",
        )
        self.calls = 0
        """Urgent calls this process turned into incident reports."""

    async def create_groups(self) -> None:
        """The ``incidents`` group on every partition log, at 0, without the consumers earlier processes left."""
        await self.follower.ensure_groups()
        for p in self.follower.partitions:
            await forget_departed(self.redis, self.store.keys(p).log, GROUP, keep=self.config.consumer)

    async def run(self) -> None:
        """Follow the partition logs until cancelled."""
        await self.follower.run()

    async def read_once(self) -> int:
        """Read each partition log once, without waiting; returns how many entries were handed."""
        return sum([await self.follower.read(p) for p in self.follower.partitions])

    async def _one(self, partition: int, entry: Delivery) -> None:
        """Act on one log entry if it is an urgent call; raises if it cannot be read."""
        recorded = RecordedEvent.from_entry(partition, entry.position, entry.fields)
        if recorded.head()[3] != "HotlineCallLogged":
            return
        event = recorded.event()
        if isinstance(event, HotlineCallLogged) and event.urgent:
            # Every line about this call names it and its hotline case (the incident is incident_case).
            with bound(event_id=event.event_id, case_id=event.case_id):
                await self._urgent(event)

    async def _urgent(self, call: HotlineCallLogged) -> None:
        """Open (or link to) the incident of the call's hotline case, and schedule its written confirmation."""
        earlier = await self._earlier_urgent_calls(call)
        first = earlier[0] if earlier else call
        # The opening report goes first, every time: it collapses when recorded already, and a link
        # never reaches the intake ahead of the incident it links to.
        commands: list[AnyCommand] = [raise_for(first)]
        if first is not call:
            commands.append(link_for(call))
        incident = incident_case_of(call.case_id)
        if call.written_confirmation_required:
            deadline = call.recorded_at + self.config.policy.confirm_within
            await self.schedule.expect(incident, call_member(incident, call.case_id, call.event_id), deadline)
        await submit(self.redis, self.key, commands)
        self.calls += 1
        log.info("urgent_call", call_id=call.event_id, hotline_case=call.case_id, incident_case=incident,
                 command_ids=[command.command_id for command in commands])

    async def _earlier_urgent_calls(self, call: HotlineCallLogged) -> list[HotlineCallLogged]:
        """The urgent calls of the call's hotline case before it, skipping events this code cannot read.

        Skipped, not fatal: the incident's command id comes from the hotline case alone, so if an
        unreadable event was an urgent call that opened the incident, this call's opening report
        collapses onto it (only its link is then missing); otherwise this call opens the incident,
        as the first urgent call it can see. Failing instead would keep the incident shut for ever.
        """
        found: list[HotlineCallLogged] = []
        for entry in await self.store.read_case(call.case_id):
            try:
                _, version, _, kind = entry.head()
                if kind != "HotlineCallLogged" or version >= call.case_version:
                    continue
                event = entry.event()
            except Exception as err:  # an event of the case this code cannot read (its own entry is parked)
                log.warning("unreadable_earlier_event", position=entry.position, error=describe(err))
                continue
            if isinstance(event, HotlineCallLogged) and event.urgent:
                found.append(event)
        return found

"""Services talk through events: the incidents service reads the hotline's events from the partition logs.

Consumer group ``incidents`` on every partition log, created at 0 (every event ever logged is seen,
also those logged before this service first ran), read with its own XREADGROUP / XAUTOCLAIM loop
for the reasons of decision 0002. Only ``HotlineCallLogged`` with ``urgent`` matters: it opens or
links an incident (``calls.py``, submitted to the incidents intake) and, when written confirmation
is required, puts the confirmation deadline in the schedule. Everything else is acknowledged as
read. An entry is acknowledged after its reports and schedule entry are written, so a crash
repeats them, and their derived command ids make the repeat record nothing new.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.incidents.calls import incident_case_of, link_for, raise_for
from services.incidents.config import GROUP, IncidentsConfig
from services.incidents.domain.commands import AnyCommand
from services.incidents.processor import REDIS_FAILURES
from services.incidents.schedule import Schedule, call_member
from services.incidents.submit import submit
from shared.events import HotlineCallLogged
from shared.intake.consumers import forget_departed
from shared.logging import bound
from shared.store import EventStore, RecordedEvent, keys

log = structlog.get_logger("incidents")

Entry = tuple[bytes, dict[bytes, bytes]]


class HotlineEvents:
    """Reads every partition log in the ``incidents`` group and acts on urgent hotline calls."""

    def __init__(self, redis: Redis, store: EventStore, config: IncidentsConfig) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.schedule = Schedule(redis, store)
        self.logs = [store.keys(p).log for p in range(store.partitions)]
        self.calls = 0
        """Urgent calls this process turned into incident reports."""

    async def create_groups(self) -> None:
        """The ``incidents`` group on every partition log, at 0 (BUSYGROUP: it exists, fine), without the
        consumers that earlier processes left in it."""
        for log_key in self.logs:
            try:
                await self.redis.xgroup_create(log_key, GROUP, id="0", mkstream=True)
            except ResponseError as err:
                if "BUSYGROUP" not in str(err):
                    raise
            await forget_departed(self.redis, log_key, GROUP, keep=self.config.consumer)

    async def run(self) -> None:
        """Read and handle forever; reclaim abandoned entries every ``reclaim_every_s``."""
        loop = asyncio.get_running_loop()
        next_reclaim = 0.0
        while True:
            try:
                if loop.time() >= next_reclaim:
                    await self.reclaim()
                    next_reclaim = loop.time() + self.config.reclaim_every_s
                await self.read_once()
            except REDIS_FAILURES as err:
                if "NOGROUP" in str(err):
                    await self.create_groups()
                    continue
                log.warning("hotline_events_failed", error=str(err))
                await asyncio.sleep(0.5)
            except Exception:  # the loop must not die: log and go on (the entry stays pending, then is reclaimed)
                log.exception("hotline_events_failed")
                await asyncio.sleep(0.5)

    async def read_once(self) -> int:
        """One XREADGROUP over every partition log; returns how many entries were handled."""
        streams: dict[Any, Any] = dict.fromkeys(self.logs, ">")
        reply: Any = await self.redis.xreadgroup(
            GROUP, self.config.consumer, streams, count=self.config.batch_size, block=self.config.log_block_ms
        )
        pairs = list(reply.items()) if isinstance(reply, dict) else (reply or [])  # RESP3 gives a dict
        handled = 0
        for stream, entries in pairs:
            name = stream.decode() if isinstance(stream, bytes) else stream
            await self.handle(self.logs.index(name), entries)
            handled += len(entries)
        return handled

    async def reclaim(self) -> int:
        """Claim entries another consumer left pending longer than ``reclaim_idle_ms`` and handle them."""
        claimed_total = 0
        for partition, log_key in enumerate(self.logs):
            start: bytes | str = "0-0"
            while True:
                reply: list[Any] = await self.redis.xautoclaim(
                    log_key, GROUP, self.config.consumer, min_idle_time=self.config.reclaim_idle_ms,
                    start_id=start, count=self.config.batch_size,
                )
                start, claimed = reply[0], reply[1]
                entries: list[Entry] = [(entry_id, fields) for entry_id, fields in claimed if fields]
                if entries:
                    claimed_total += len(entries)
                    await self.handle(partition, entries, await self._exhausted(log_key, entries))
                if start in (b"0-0", "0-0"):
                    break
        return claimed_total

    async def _exhausted(self, log_key: str, entries: list[Entry]) -> frozenset[bytes]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xpending_range(log_key, GROUP, min=entry_id, max=entry_id, count=1)
            replies = await pipe.execute()
        return frozenset(
            entry_id
            for (entry_id, _), pending in zip(entries, replies, strict=True)
            if pending and int(pending[0]["times_delivered"]) > self.config.max_deliveries
        )

    async def handle(self, partition: int, entries: list[Entry], give_up: frozenset[bytes] = frozenset()) -> None:
        """Act on the urgent calls among these log entries, then acknowledge them all."""
        log_key = self.logs[partition]
        for entry_id, fields in entries:
            if entry_id in give_up:
                await self._dead_letter(log_key, entry_id, f"not handled after {self.config.max_deliveries} deliveries")
                continue
            try:
                recorded = RecordedEvent.from_entry(partition, entry_id, fields)
                if recorded.head()[3] != "HotlineCallLogged":
                    continue
                event = recorded.event()
            except Exception as err:  # not an entry of the documented format: not ours to repair
                await self._dead_letter(log_key, entry_id, f"unreadable log entry: {type(err).__name__}: {err}")
                continue
            if isinstance(event, HotlineCallLogged) and event.urgent:
                # Every line about this call names it and its hotline case (the incident is incident_case).
                with bound(event_id=event.event_id, case_id=event.case_id):
                    await self._urgent(event)
        if entries:
            await self.redis.xack(log_key, GROUP, *(entry_id for entry_id, _ in entries))

    async def _urgent(self, call: HotlineCallLogged) -> None:
        """Open (or link to) the incident of the call's hotline case, and schedule its written confirmation."""
        earlier = [
            event
            for event in (entry.event() for entry in await self.store.read_case(call.case_id))
            if isinstance(event, HotlineCallLogged) and event.urgent and event.case_version < call.case_version
        ]
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
        await submit(self.redis, commands)
        self.calls += 1
        log.info("urgent_call", call_id=call.event_id, hotline_case=call.case_id, incident_case=incident,
                 command_ids=[command.command_id for command in commands])

    async def _dead_letter(self, log_key: str, entry_id: bytes, reason: str) -> None:
        log.error("dead_letter", stream=log_key, entry_id=entry_id.decode(), reason=reason)
        fields = {"reason": reason, "stream": log_key, "entry_id": entry_id.decode()}
        await self.redis.xadd(keys.dead_letters("incidents"), fields)  # type: ignore[arg-type]

"""The incidents service's deciding step of the intake pipeline (shared/intake/pipeline.py).

``decide`` takes the policy; before an append the deadline schedule learns any deadline the case
will owe; after it, follow-up reports are submitted. Reports of one case go in order (each decides
on the state the previous one left); different cases go concurrently. Order of effects for every
report: schedule entry -> append -> follow-ups -> (the pipeline's) rejection remembered -> outcome
(and dead letter) -> ack. A resend whose events were recorded submits its follow-ups again; their
ids collapse.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis

from services.incidents.calls import awaited_opening
from services.incidents.cases import CaseUnreadable, Loaded, advance, load
from services.incidents.config import IncidentsConfig
from services.incidents.domain import NewCase, Rejected, UnexpectedEvent, decide
from services.incidents.domain import reasons as reasons
from services.incidents.domain.incident_commands import LinkCases
from services.incidents.intake import Report, read_entry
from services.incidents.schedule import Schedule, case_member, next_deadline
from services.incidents.submit import signing_key, submit_follow_ups
from shared import append_metrics
from shared.access.visibility import author_of
from shared.intake.entries import proven
from shared.intake.pipeline import REDIS_FAILURES as REDIS_FAILURES
from shared.intake.pipeline import Answer, Decided, Failure, Pipeline, Prefetched, Todo, Verdict
from shared.outcomes import Outcome, answers, outcome_decoder, rejected
from shared.store import ConcurrencyConflict, EventStore, keys

LINK_WAIT_IDLE_TIMES = 4
"""An urgent call's link waits for its incident up to this many reclaim idle times (2 min by default)."""


class Processor(Pipeline[Report]):
    """The incidents service's intake pipeline: shared by the subscriber and the reclaim loop."""

    def __init__(self, redis: Redis, store: EventStore, config: IncidentsConfig) -> None:
        super().__init__(redis, store, config, service="incidents", read_entry=read_entry)
        self.config: IncidentsConfig = config
        self.policy = config.policy
        self.schedule = Schedule(redis, store)
        self._limit = asyncio.Semaphore(config.concurrency)
        self.key = signing_key(config)

    async def decide(self, todo: Sequence[Todo[Report]], prefetched: Prefetched | None = None) -> Decided:
        """Decide each case's reports in order, different cases concurrently (up to ``concurrency``)."""
        by_case: dict[str, list[Todo[Report]]] = {}
        for item in todo:
            by_case.setdefault(item.report.case_id or f"\0{item.index}", []).append(item)
        verdicts: dict[int, Verdict] = {}
        errors: list[BaseException] = []
        for part, error in await asyncio.gather(*(self._run_case(group) for group in by_case.values())):
            verdicts |= part
            if error is not None:
                errors.append(error)
        return verdicts, (errors[0] if errors else None)

    async def _run_case(self, group: Sequence[Todo[Report]]) -> Decided:
        """One case's reports, each on the state the previous one left; a report that raises fails alone."""
        verdicts: dict[int, Verdict] = {}
        current: Loaded | None = None
        async with self._limit:
            for item in group:
                report = item.report
                try:
                    outcome, remember, current = await self._decide(report, current)
                except REDIS_FAILURES as err:
                    self.log.error("redis_failed", command_id=report.command_id, case_id=report.case_id,
                                   error=str(err))
                    return verdicts, err
                except Exception as err:  # a bug must not stop the service: dead-letter this report, go on
                    self.log.exception("internal_error", command_id=report.command_id, case_id=report.case_id)
                    verdicts[item.index], current = Failure(f"internal error: {type(err).__name__}: {err}"), None
                    continue
                # None: left pending, to be decided again when reclaimed
                verdicts[item.index] = None if outcome is None else Answer(outcome, remember)
        return verdicts, None

    async def recorded(self, report: Report, positions: Sequence[str]) -> Outcome:
        """A report recorded before: its outcome from the log, and its follow-ups submitted again."""
        assert report.case_id is not None
        return await self._recorded(report.command_id, report.case_id, positions)

    def may_wait(self, report: Report) -> bool:
        """An urgent call's link may wait for its incident past ``max_deliveries`` (``_link_may_wait``)."""
        return self._link_may_wait(report)

    async def _recorded(self, command_id: str, case_id: str, positions: Sequence[str]) -> Outcome:
        """A command recorded before: its outcome from the log, and its follow-ups submitted again.

        Submitting again is what makes follow-ups survive a crash between the append and the
        submission; their derived command ids make the repeat harmless.
        """
        recorded = await self.store.read_positions(self.store.partition_of(case_id), positions)
        events = []
        for entry in recorded:
            try:
                events.append(entry.event())
            except Exception as err:  # a newer instance's event: its follow-ups are that instance's to submit
                self.log.warning("follow_ups_of_unreadable_event_skipped", case_id=case_id, position=entry.position,
                                 error=f"{type(err).__name__}: {err}")
        await submit_follow_ups(self.redis, self.key, events)
        return await answers.from_log(self.store, command_id, case_id, positions)

    async def _decide(self, report: Report, current: Loaded | None) -> tuple[Outcome | None, bool, Loaded | None]:
        """Decide and append, re-reading the case after a conflict; (outcome, remember it, case after).

        The outcome is None for a report left pending: a link of an urgent call whose incident
        another instance has not appended yet (see ``_incident_refused``).
        """
        command, case_id = report.command, report.case_id
        for _ in range(self.config.append_tries):
            if case_id is None:
                loaded = Loaded(NewCase(case_id=""), "")  # decide rejects it: the report names no case
            elif current is None:
                try:
                    loaded = await load(self.store, case_id)
                except UnexpectedEvent:
                    if not await self._recorded_in(case_id, command.unit):
                        return self._no_such_case(command.command_id, case_id), True, None
                    message = f"case_id: {case_id} is not a case of the incidents service (incident, handover, " \
                              "patrol or meeting)"
                    return rejected(command.command_id, reasons.WRONG_CASE_KIND, message, case_id), True, None
                except CaseUnreadable as err:  # not remembered: after an upgrade the case may be readable
                    self.log.error("case_unreadable", case_id=case_id, error=str(err))
                    if not await self._recorded_in(case_id, command.unit):
                        return self._no_such_case(command.command_id, case_id), True, None
                    message = f"case_id: case {case_id} holds an event this version of the incidents service cannot " \
                              "read; nothing was decided (tell the operator: the service needs upgrading)"
                    return rejected(command.command_id, reasons.CASE_UNREADABLE, message, case_id), False, None
            else:
                loaded = current
            if loaded.state.version == 0 and isinstance(command, LinkCases):
                opening = awaited_opening(command)
                if opening is not None:  # the incident was sent first: wait for it unless it was refused
                    return await self._incident_refused(command, opening), True, None
            try:
                events = proven(decide(command, loaded.state, datetime.now(UTC), self.policy), report.proof)
            except Rejected as no:
                if case_id is not None and loaded.state.version > 0:
                    # Another instance may have recorded this very command after the batch looked it up
                    # (the case it opened now exists): its answer, not a rejection, is the right one.
                    positions = await self.store.command_positions(case_id, command.command_id)
                    if positions is not None:
                        return await self._recorded(command.command_id, case_id, positions), False, None
                return rejected(command.command_id, no.code, no.message, command.case_id), True, loaded
            assert case_id is not None
            after = advance(loaded, events)
            deadline = next_deadline(after.state, self.policy)
            if deadline is not None:  # before the append: a crash right after it must not lose the deadline
                await self.schedule.expect(case_id, case_member(case_id), deadline)
            try:
                with append_metrics.timed():
                    result = await self.store.append(
                        case_id, events, loaded.state.version, command_id=command.command_id, head_hash=loaded.head_hash
                    )
            except ConcurrencyConflict:
                self.conflicts += 1
                current = None
                continue
            if result.duplicate:  # another process recorded this command meanwhile: give its answer
                return await self._recorded(command.command_id, case_id, result.positions), False, None
            # Only once recorded (a refused append leaves the obligation as it was), and only while the case is
            # still at this version: a later report may have re-armed the entry since (schedule.py).
            await self.schedule.after_append(case_id, result.version, deadline)
            await submit_follow_ups(self.redis, self.key, events)
            return answers.from_append(command.command_id, case_id, events, result), False, after
        # Not remembered: nothing was wrong with the report, so a resend is decided afresh.
        message = f"case {case_id} moved {self.config.append_tries} times while this report was decided; send it again"
        return rejected(command.command_id, reasons.VERSION_CONFLICT, message, command.case_id), False, None

    async def _recorded_in(self, case_id: str, unit: str) -> bool:
        """True if ``unit`` recorded an event of the case: only such a unit is told what kind of case it is."""
        return any(author_of(entry.data) == unit for entry in await self.store.read_case(case_id))

    @staticmethod
    def _no_such_case(command_id: str, case_id: str) -> Outcome:
        """The answer to a unit with no part in a case it named: the same as for a case that does not exist."""
        return rejected(command_id, reasons.UNKNOWN_CASE, f"case_id: there is no case {case_id!r}", case_id)

    def _link_may_wait(self, report: Report) -> bool:
        """True for an urgent call's link whose incident may still come, however often it was delivered.

        Each wait is a delivery (its own reclaim takes it every few seconds), so ``max_deliveries``
        would give it up before a crashed instance's RaiseIncident is even reclaimed
        (``reclaim_idle_ms``); such a link waits by age instead, up to ``LINK_WAIT_IDLE_TIMES`` reclaims.
        """
        command = report.command
        if not isinstance(command, LinkCases) or awaited_opening(command) is None:
            return False
        written_ms = int(report.entry_id.split(b"-")[0])
        return time.time() * 1000 - written_ms < LINK_WAIT_IDLE_TIMES * self.config.reclaim_idle_ms

    async def _incident_refused(self, command: LinkCases, opening: str) -> Outcome | None:
        """For an urgent call's link whose incident does not exist yet: the rejection if that incident was refused.

        None means wait: the incident was submitted before the link (ADR 0005) but another instance
        may hold it in its batch. The link is left pending and decided again when the reclaim
        loop takes it (``OWN_PENDING_IDLE_MS`` later); after ``max_deliveries`` it is dead-lettered.
        """
        refused = await self.redis.get(keys.rejection(opening))
        if refused is None:
            self.log.info("link_waits_for_incident", command_id=command.command_id, case_id=command.case_id)
            return None
        reason = outcome_decoder.decode(refused).reason
        code = "unknown" if reason is None else reason.code
        message = (
            f"case_id: incident {command.case_id} was never opened: its report {opening} was refused ({code}); "
            "the urgent call stays unlinked (correct the call and link it with a new LinkCases)"
        )
        return rejected(command.command_id, reasons.UNKNOWN_CASE, message, command.case_id)

"""One batch of intake entries: decode, answer resends, decide and append, then outcomes and acks.

The hotline's processor (committed version), adapted: ``decide`` takes the policy; before an
append the deadline schedule learns any deadline the case will owe; after it, follow-up reports
are submitted. Order of effects for every entry: schedule entry -> append -> follow-ups ->
rejection remembered -> outcome (and dead letter) -> ack. A Redis failure anywhere leaves the
entry pending; the reclaim loop processes it again, and the resend checks make that harmless
(a resend whose events were recorded submits its follow-ups again; their ids collapse).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.incidents import batch_io
from services.incidents.batch_io import Finished, Known
from services.incidents.calls import awaited_opening
from services.incidents.cases import Loaded, advance, load
from services.incidents.config import IncidentsConfig
from services.incidents.domain import NewCase, Rejected, UnexpectedEvent, decide
from services.incidents.domain import rejected as reasons
from services.incidents.domain.incident_commands import LinkCases
from services.incidents.intake import Malformed, Report, dead_letter_fields, read_entry
from services.incidents.schedule import Schedule, case_member, next_deadline
from services.incidents.submit import submit_follow_ups
from shared import answers, append_metrics
from shared.intake.names import refusals
from shared.intake.settle import settle
from shared.outcomes import Outcome, outcome_decoder, rejected
from shared.store import ConcurrencyConflict, EventStore, keys

REDIS_FAILURES = (RedisError, OSError)
"""Failures that say nothing about the report: leave it pending and try again later."""

Entry = tuple[bytes, dict[bytes, bytes]]
log = structlog.get_logger("incidents")


LINK_WAIT_IDLE_TIMES = 4
"""An urgent call's link waits for its incident up to this many reclaim idle times (2 min by default)."""


class Processor:
    """Turns intake entries into appended events and outcomes; shared by the subscriber and the reclaim loop."""

    def __init__(self, redis: Redis, store: EventStore, config: IncidentsConfig) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.policy = config.policy
        self.schedule = Schedule(redis, store)
        self.intake = keys.intake("incidents")
        self.dead_letters = keys.dead_letters("incidents")
        self._limit = asyncio.Semaphore(config.concurrency)
        self.completed = 0
        """Entries acknowledged by this process (answered, or dead-lettered)."""
        self.conflicts = 0
        """Appends refused because another writer moved the case first (each was re-decided)."""

    async def process(self, entries: Sequence[Entry], give_up: frozenset[bytes] = frozenset()) -> None:
        """Process and acknowledge a batch; entries in ``give_up`` failed too often (answered or dead-lettered).

        Raises the Redis error that stopped part of the batch, after acknowledging what was completed.
        """
        malformed: list[Finished] = []
        reports: list[Report] = []
        for entry_id, fields in entries:
            item = read_entry(entry_id, fields)
            if isinstance(item, Malformed):
                malformed.append(self._malformed(item))
            else:
                reports.append(item)
        finished = list(malformed)
        error: BaseException | None = None
        if reports:
            try:
                known = await batch_io.lookup(self.redis, self.store, reports)
            except REDIS_FAILURES as err:
                error = err
            else:
                try:
                    named = await refusals(self.redis, reports, known)
                except REDIS_FAILURES as err:
                    error = err
                else:
                    refused = {reports[i].entry_id: outcome for i, outcome in named.items()}
                    done, error = await self._decide_all(reports, known, give_up, refused)
                    finished += done
        if finished:
            await settle(self.redis, self.intake, finished, malformed, self._publish, log)
            self.completed += len(finished)
        if error is not None:
            raise error

    async def _publish(self, finished: Sequence[Finished]) -> None:
        await batch_io.publish(self.redis, finished, self.dead_letters, self.config.rejection_ttl_s)

    def _malformed(self, item: Malformed) -> Finished:
        outcome = None if item.command_id is None else rejected(item.command_id, reasons.MALFORMED, item.reason)
        # Not remembered: no decision about the command; the sender may fix it and resend under the same id.
        return Finished(item.entry_id, outcome, dead_letter_fields(self.intake, item, item.reason))

    async def _decide_all(
        self,
        reports: Sequence[Report],
        known: Sequence[Known],
        give_up: frozenset[bytes],
        refused: dict[bytes, Outcome],
    ) -> tuple[list[Finished], BaseException | None]:
        # Reports of one case go in order (each decides on the state the previous one left);
        # different cases go concurrently.
        by_case: dict[str, list[tuple[Report, Known]]] = {}
        for i, (report, k) in enumerate(zip(reports, known, strict=True)):
            by_case.setdefault(report.case_id or f"\0{i}", []).append((report, k))
        seen: dict[str, Outcome] = {}
        results = await asyncio.gather(*(self._run_case(group, seen, give_up, refused) for group in by_case.values()))
        finished = [f for done, _ in results for f in done]
        errors = [err for _, err in results if err is not None]
        return finished, (errors[0] if errors else None)

    async def _run_case(
        self,
        group: Sequence[tuple[Report, Known]],
        seen: dict[str, Outcome],
        give_up: frozenset[bytes],
        refused: dict[bytes, Outcome],
    ) -> tuple[list[Finished], BaseException | None]:
        done: list[Finished] = []
        current: Loaded | None = None
        async with self._limit:
            for report, k in group:
                try:
                    finished, current = await self._answer(report, k, seen, give_up, refused, current)
                except REDIS_FAILURES as err:
                    log.error("redis_failed", command_id=report.command_id, case_id=report.case_id, error=str(err))
                    return done, err
                except Exception as err:  # a bug must not stop the service: dead-letter this report, go on
                    log.exception("internal_error", command_id=report.command_id, case_id=report.case_id)
                    finished, current = self._failed(report, f"internal error: {type(err).__name__}: {err}"), None
                if finished is not None:  # None: left pending, to be decided again when reclaimed
                    done.append(finished)
        return done, None

    async def _answer(
        self,
        report: Report,
        k: Known,
        seen: dict[str, Outcome],
        give_up: frozenset[bytes],
        refused: dict[bytes, Outcome],
        current: Loaded | None,
    ) -> tuple[Finished | None, Loaded | None]:
        command_id, case_id = report.command_id, report.case_id
        remember = False
        if command_id in seen:
            outcome = seen[command_id]
        elif k.positions is not None and case_id is not None:
            outcome = await self._recorded(command_id, case_id, k.positions)
        elif k.rejection is not None:
            outcome = k.rejection
        elif report.entry_id in refused:  # before give_up: a dead letter would keep the name
            outcome, remember = refused[report.entry_id], True
        elif report.entry_id in give_up and not self._link_may_wait(report):
            return self._failed(report, f"not completed after {self.config.max_deliveries} deliveries"), current
        else:
            decided, remember, current = await self._decide(report, current)
            if decided is None:
                return None, current
            outcome = decided
        seen[command_id] = outcome
        if outcome.status == "accepted":
            log.debug("accepted", command_id=command_id, case_id=outcome.case_id, version=outcome.version)
        else:
            assert outcome.reason is not None
            log.info("rejected", command_id=command_id, case_id=case_id, code=outcome.reason.code)
        return Finished(report.entry_id, outcome, remember_rejection=remember), current

    async def _recorded(self, command_id: str, case_id: str, positions: Sequence[str]) -> Outcome:
        """A command recorded before: its outcome from the log, and its follow-ups submitted again.

        Submitting again is what makes follow-ups survive a crash between the append and the
        submission; their derived command ids make the repeat harmless.
        """
        recorded = await self.store.read_positions(self.store.partition_of(case_id), positions)
        await submit_follow_ups(self.redis, [entry.event() for entry in recorded])
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
                    message = f"case_id: {case_id} is not a case of the incidents service (incident, handover, " \
                              "patrol or meeting)"
                    return rejected(command.command_id, reasons.WRONG_CASE_KIND, message, case_id), True, None
            else:
                loaded = current
            if loaded.state.version == 0 and isinstance(command, LinkCases):
                opening = awaited_opening(command)
                if opening is not None:  # the incident was sent first: wait for it unless it was refused
                    return await self._incident_refused(command, opening), True, None
            try:
                events = decide(command, loaded.state, datetime.now(UTC), self.policy)
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
            await submit_follow_ups(self.redis, events)
            return answers.from_append(command.command_id, case_id, events, result.positions), False, after
        # Not remembered: nothing was wrong with the report, so a resend is decided afresh.
        message = f"case {case_id} moved {self.config.append_tries} times while this report was decided; send it again"
        return rejected(command.command_id, reasons.VERSION_CONFLICT, message, command.case_id), False, None

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

        None means wait: the incident was submitted before the link (0005) but another instance
        may hold it in its batch. The link is left pending and decided again when the reclaim
        loop takes it (``OWN_PENDING_IDLE_MS`` later); after ``max_deliveries`` it is dead-lettered.
        """
        refused = await self.redis.get(keys.rejection(opening))
        if refused is None:
            log.info("link_waits_for_incident", command_id=command.command_id, case_id=command.case_id)
            return None
        reason = outcome_decoder.decode(refused).reason
        code = "unknown" if reason is None else reason.code
        message = (
            f"case_id: incident {command.case_id} was never opened: its report {opening} was refused ({code}); "
            "the urgent call stays unlinked (correct the call and link it with a new LinkCases)"
        )
        return rejected(command.command_id, reasons.UNKNOWN_CASE, message, command.case_id)

    def _failed(self, report: Report, why: str) -> Finished:
        log.error("dead_letter", entry_id=report.entry_id.decode(), command_id=report.command_id,
                  case_id=report.case_id, reason=why)
        message = f"the incidents service could not process this report ({why}); it is kept in the dead-letter stream"
        outcome = rejected(report.command_id, reasons.PROCESSING_FAILED, message, report.command.case_id)
        return Finished(report.entry_id, outcome, dead_letter_fields(self.intake, report, why))

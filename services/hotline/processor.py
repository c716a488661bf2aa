"""One batch of intake entries: decode, answer resends, decide and append, then outcomes and acks.

Order of effects for every entry: the append returns (Redis replies after fsync with
``appendfsync always``) -> the rejection is remembered, if any -> the outcome (and dead letter)
is written -> the entry is acknowledged. A Redis failure anywhere leaves the entry pending;
the reclaim loop processes it again later, and the resend checks make that harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.hotline import batch_io
from services.hotline.batch_io import Finished, Known
from services.hotline.cases import CaseCache, Loaded, advance
from services.hotline.config import HotlineConfig
from services.hotline.domain import CaseState, Rejected, decide, fold
from services.hotline.domain import rejected as reasons
from services.hotline.intake import Malformed, Report, dead_letter_fields, read_entry
from shared import answers, append_metrics
from shared.events import AnyEvent
from shared.intake.names import refusals
from shared.intake.settle import settle
from shared.outcomes import Outcome, rejected
from shared.store import AppendOutcome, AppendRequest, AppendResult, ConcurrencyConflict, EventStore, keys

REDIS_FAILURES = (RedisError, OSError)
"""Failures that say nothing about the report: leave it pending and try again later."""

Entry = tuple[bytes, dict[bytes, bytes]]
log = structlog.get_logger("hotline")


@dataclass(slots=True)
class _Step:
    """One report decided in a round: the events to append (and the case after them), or why not."""

    index: int
    before: Loaded
    events: Sequence[AnyEvent] = ()
    request: AppendRequest | None = None
    after: Loaded | None = None
    rejection: Outcome | None = None
    failure: str | None = None


class Processor:
    """Turns intake entries into appended events and outcomes; shared by the subscriber and the reclaim loop."""

    def __init__(self, redis: Redis, store: EventStore, config: HotlineConfig) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.intake = keys.intake("hotline")
        self.dead_letters = keys.dead_letters("hotline")
        self.cases = CaseCache(store, config.cache_cases)
        self.completed = 0
        """Entries acknowledged by this process (answered, or dead-lettered)."""
        self.conflicts = 0
        """Appends refused because another writer moved the case first (each was re-decided)."""

    async def process(self, entries: Sequence[Entry], give_up: frozenset[bytes] = frozenset()) -> None:
        """Process and acknowledge a batch. Entries in ``give_up`` failed too often: answered if already
        decided, else dead-lettered. Raises the Redis error that stopped part of the batch, after
        acknowledging what was completed; the rest stays pending."""
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
                done, error = await self._decide_all(reports, known, give_up)
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
        # A malformed report's rejection is not remembered: it is no decision about the command,
        # and the sender should be able to fix the report and send it again under the same id.
        return Finished(item.entry_id, outcome, dead_letter_fields(self.intake, item, item.reason))

    async def _decide_all(
        self, reports: Sequence[Report], known: Sequence[Known], give_up: frozenset[bytes]
    ) -> tuple[list[Finished], BaseException | None]:
        """Answer resends from what Redis knows, then decide and append the rest in rounds."""
        done: dict[int, Finished] = {}
        first_of: dict[str, int] = {}
        """command id -> the report of this batch that carries it first (a repeat gets its outcome)."""
        queues: dict[str, list[int]] = {}
        """case id -> reports to decide, in intake order (each decides on the state the last left)."""
        heads: dict[str, tuple[int, str] | None] = {}
        recorded: list[int] = []
        try:  # before decide, so no name reaches the log (decision 10); one round trip for the batch
            named = await refusals(self.redis, reports, known)
        except REDIS_FAILURES as err:
            log.error("redis_failed", reports=len(reports), error=str(err))
            return [], err
        for i, (report, k) in enumerate(zip(reports, known, strict=True)):
            if report.command_id in first_of:
                continue
            first_of[report.command_id] = i
            if k.positions is not None and report.case_id is not None:
                recorded.append(i)
            elif k.rejection is not None:
                done[i] = self._finish(report, k.rejection)
            elif i in named:  # before give_up: a dead letter would keep the name
                done[i] = self._finish(report, named[i], remember=True)
            elif report.entry_id in give_up:
                done[i] = self._failed(report, f"not completed after {self.config.max_deliveries} deliveries")
            elif report.case_id is None:
                done[i] = self._decide_caseless(report)
            else:
                queues.setdefault(report.case_id, []).append(i)
                heads.setdefault(report.case_id, k.head)
        error: BaseException | None = None
        try:
            await self._from_log(reports, known, recorded, done)
            await self._rounds(reports, queues, heads, done)
        except REDIS_FAILURES as err:  # what is not done stays pending; the reclaim loop takes it again
            log.error("redis_failed", reports=len(reports) - len(done), error=str(err))
            error = err
        for i, report in enumerate(reports):  # a command repeated within the batch gets the first one's answer
            first = first_of[report.command_id]
            if i != first and first in done and done[first].outcome is not None:
                outcome = done[first].outcome
                assert outcome is not None
                done[i] = Finished(report.entry_id, outcome)
        return [done[i] for i in sorted(done)], error

    async def _from_log(
        self, reports: Sequence[Report], known: Sequence[Known], indexes: Sequence[int], done: dict[int, Finished]
    ) -> None:
        """Outcomes of commands already recorded (resends, redeliveries), rebuilt from their log positions."""
        outcomes = await asyncio.gather(*(
            answers.from_log(self.store, reports[i].command_id, reports[i].case_id or "", known[i].positions or ())
            for i in indexes
        ))
        for i, outcome in zip(indexes, outcomes, strict=True):
            done[i] = self._finish(reports[i], outcome)

    def _decide_caseless(self, report: Report) -> Finished:
        """A report that names no case and cannot open one: decide rejects it."""
        try:
            decide(report.command, CaseState(case_id=""), datetime.now(UTC))
        except Rejected as no:
            return self._finish(report, rejected(report.command_id, no.code, no.message, None), remember=True)
        except Exception as err:  # a bug must not stop the service: dead-letter this report, go on
            log.exception("internal_error", command_id=report.command_id)
            return self._failed(report, f"internal error: {type(err).__name__}: {err}")
        return self._failed(report, "internal error: a report naming no case was accepted")

    async def _rounds(
        self,
        reports: Sequence[Report],
        queues: dict[str, list[int]],
        heads: dict[str, tuple[int, str] | None],
        done: dict[int, Finished],
    ) -> None:
        """Decide every queued report and append all their events in one pipelined call per round.

        Each case's reports are decided one after the other on the state the previous one
        leaves, then appended in the same ``append_many`` (each append chained to the one
        before). When an append of a case is refused (another writer moved it), that report
        and the later ones of its case go to the next round, on the case re-read from the
        store; the rest of the batch is final. A report refused ``append_tries`` times is
        answered ``version_conflict`` and not remembered (a resend is decided afresh).
        """
        tries: dict[int, int] = {}
        first_round = True
        while queues:
            loaded = await self.cases.load_many(
                {case_id: heads.get(case_id) if first_round else None for case_id in queues}
            )
            first_round = False
            plans: list[tuple[str, list[_Step]]] = [
                (case_id, self._plan(reports, case_id, queue, loaded[case_id])) for case_id, queue in queues.items()
            ]
            requests = [step.request for _, steps in plans for step in steps if step.request is not None]
            with append_metrics.timed(len(requests)):  # one round trip for them all: each took that long
                results = iter(await self.store.append_many(requests))
            queues = {}
            for case_id, steps in plans:
                settled = True
                for step in steps:
                    result = next(results) if step.request is not None else None
                    if not settled:  # an earlier report of the case was refused: decide this one again
                        queues.setdefault(case_id, []).append(step.index)
                        continue
                    settled = await self._settle(reports[step.index], step, result, tries, done, queues)
                if not settled:
                    self.cases.forget(case_id)

    def _plan(self, reports: Sequence[Report], case_id: str, queue: Sequence[int], loaded: Loaded) -> list[_Step]:
        """Decide a case's queued reports one after the other, each on the state the previous one leaves."""
        steps: list[_Step] = []
        current = loaded
        for i in queue:
            command = reports[i].command
            try:
                events = decide(command, current.state, datetime.now(UTC))
            except Rejected as no:
                steps.append(
                    _Step(i, current, rejection=rejected(command.command_id, no.code, no.message, command.case_id))
                )
                continue
            except Exception as err:  # a bug must not stop the service: dead-letter this report, go on
                log.exception("internal_error", command_id=command.command_id, case_id=case_id)
                steps.append(_Step(i, current, failure=f"internal error: {type(err).__name__}: {err}"))
                continue
            # Only the case's first append of the round names its head; the store links each next
            # append of the batch to the one before, and reports the hash it ends at.
            head_hash = None if any(step.request is not None for step in steps) else current.head_hash
            request = AppendRequest(
                case_id, events, current.state.version, command_id=command.command_id, head_hash=head_hash
            )
            after = Loaded(fold(case_id, events, current.state), "")
            steps.append(_Step(i, current, events=events, request=request, after=after))
            current = after
        return steps

    async def _settle(
        self,
        report: Report,
        step: _Step,
        result: AppendOutcome | None,
        tries: dict[int, int],
        done: dict[int, Finished],
        queues: dict[str, list[int]],
    ) -> bool:
        """Turn one decided report and its append result into an outcome; False if its case must be re-read."""
        i, case_id = step.index, report.case_id
        assert case_id is not None
        if step.rejection is not None:
            if step.before.state.version > 0:
                # Another consumer may have recorded this very command after the batch looked it up
                # (a redelivered copy racing its original): its answer, not a rejection, is the right one.
                positions = await self.store.command_positions(case_id, report.command_id)
                if positions is not None:
                    done[i] = self._finish(report, await answers.from_log(self.store, report.command_id, case_id,
                                                                          positions))
                    return True
            done[i] = self._finish(report, step.rejection, remember=True)
            return True
        if step.failure is not None:
            done[i] = self._failed(report, step.failure)
            self.cases.forget(case_id)  # read again before this process next decides on it
            return True  # it recorded nothing, so the reports decided after it stand
        if isinstance(result, ConcurrencyConflict):
            self.conflicts += 1
            tries[i] = tries.get(i, 0) + 1
            if tries[i] < self.config.append_tries:
                queues.setdefault(case_id, []).append(i)
            else:  # not remembered: nothing was wrong with the report, so a resend is decided afresh
                message = (f"case {case_id} moved {self.config.append_tries} times while this report was decided; "
                           "send it again")
                outcome = rejected(report.command_id, reasons.VERSION_CONFLICT, message, report.command.case_id)
                done[i] = self._finish(report, outcome)
            return False
        if isinstance(result, AppendResult) and result.duplicate:
            # Another process recorded this command meanwhile: give its answer.
            done[i] = self._finish(report, await answers.from_log(self.store, report.command_id, case_id,
                                                                  result.positions))
            return False
        if not isinstance(result, AppendResult) or step.after is None:
            done[i] = self._failed(report, f"internal error: the append was refused ({result})")
            return False
        self.cases.keep(Loaded(step.after.state, result.head_hash or advance(step.before, step.events).head_hash))
        done[i] = self._finish(report, answers.from_append(report.command_id, case_id, step.events, result.positions))
        return True

    def _finish(self, report: Report, outcome: Outcome, *, remember: bool = False) -> Finished:
        if outcome.status == "accepted":
            log.debug("accepted", command_id=report.command_id, case_id=outcome.case_id, version=outcome.version)
        else:
            assert outcome.reason is not None
            log.info("rejected", command_id=report.command_id, case_id=report.case_id, code=outcome.reason.code)
        return Finished(report.entry_id, outcome, remember_rejection=remember)

    def _failed(self, report: Report, why: str) -> Finished:
        log.error("dead_letter", entry_id=report.entry_id.decode(), command_id=report.command_id,
                  case_id=report.case_id, reason=why)
        message = f"the hotline could not process this report ({why}); it is kept in the dead-letter stream"
        outcome = rejected(report.command_id, reasons.PROCESSING_FAILED, message, report.command.case_id)
        return Finished(report.entry_id, outcome, dead_letter_fields(self.intake, report, why))

"""The hotline's deciding step of the intake pipeline (shared/intake/pipeline.py): decide and append in rounds.

Reports of one case are decided one after the other on the state the previous one leaves
(cases.py keeps recent states in memory), and every case's appends of a round go in one
pipelined ``append_many``. A case this service cannot fold (another kind of case, or an event
this build cannot read) answers its reports at once, without failing their neighbours.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from services.hotline.cases import CaseCache, Loaded, Unusable, advance
from services.hotline.config import HotlineConfig
from services.hotline.domain import CaseState, Rejected, decide, fold
from services.hotline.domain import reasons as reasons
from services.hotline.intake import Report, read_entry
from shared import append_metrics
from shared.events import AnyEvent
from shared.intake.entries import proven
from shared.intake.pipeline import REDIS_FAILURES as REDIS_FAILURES
from shared.intake.pipeline import Answer, Decided, Failure, Pipeline, Prefetched, Todo, Verdict
from shared.outcomes import Outcome, answers, rejected
from shared.store import (
    AppendOutcome,
    AppendRequest,
    AppendResult,
    ConcurrencyConflict,
    EventStore,
    RecordedEvent,
    pipelined,
)


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


class Processor(Pipeline[Report]):
    """The hotline's intake pipeline: shared by the subscriber and the reclaim loop."""

    def __init__(self, redis: Redis, store: EventStore, config: HotlineConfig) -> None:
        super().__init__(redis, store, config, service="hotline", read_entry=read_entry)
        self.config: HotlineConfig = config
        self.cases = CaseCache(store, config.cache_cases)

    def prefetch(self, reports: Sequence[Report]) -> tuple[list[pipelined.Command], Any]:
        """Each case's events past the state this process holds of it (all of them if none), read in the batch
        lookup's round trip: a case another process moved is then brought up to date without a round trip of its
        own. The plan: (case id, first version read) per command."""
        plan = [(case_id, self.cases.next_version(case_id))
                for case_id in dict.fromkeys(r.case_id for r in reports if r.case_id is not None)]
        return [self.store.read_case_command(case_id, start) for case_id, start in plan], plan

    async def decide(self, todo: Sequence[Todo[Report]], prefetched: Prefetched | None = None) -> Decided:
        """Decide the reports naming no case at once, the others in rounds of one ``append_many`` each."""
        done: dict[int, Verdict] = {}
        queues: dict[str, list[int]] = {}
        """case id -> reports to decide, in intake order (each decides on the state the last left)."""
        heads: dict[str, tuple[int, str] | None] = {}
        reports: dict[int, Report] = {}
        for item in todo:
            report = item.report
            reports[item.index] = report
            if report.case_id is None:
                done[item.index] = self._decide_caseless(report)
            else:
                queues.setdefault(report.case_id, []).append(item.index)
                heads.setdefault(report.case_id, item.known.head)
        read = self._prefetched(prefetched, queues.keys()) if prefetched is not None else {}
        try:
            await self._rounds(reports, queues, heads, read, done)
        except REDIS_FAILURES as err:  # what is not done stays pending; the reclaim loop takes it again
            self.log.error("redis_failed", reports=len(todo) - len(done), error=str(err))
            return done, err
        return done, None

    def _prefetched(
        self, prefetched: Prefetched, cases: Collection[str]
    ) -> dict[str, tuple[int, list[RecordedEvent]]]:
        """The prefetched events of the cases to decide (case id -> first version read, events).

        A case whose reply cannot be read (NOSCRIPT after a restart; an entry this build cannot
        parse) is left out: ``load_many`` reads it itself, and if that fails, only its reports fail
        (the batch is then decided one report at a time, each reading only its own case).
        """
        read: dict[str, tuple[int, list[RecordedEvent]]] = {}
        for (case_id, start), reply in zip(prefetched.plan or (), prefetched.replies, strict=True):
            if case_id not in cases:
                continue
            try:
                recorded = self.store.read_case_reply(case_id, reply)
            except Exception:  # read again by load_many, which then fails this case's reports alone
                continue
            if recorded is not None:
                read[case_id] = start, recorded
        return read

    def _decide_caseless(self, report: Report) -> Verdict:
        """A report that names no case and cannot open one: decide rejects it."""
        try:
            decide(report.command, CaseState(case_id=""), datetime.now(UTC))
        except Rejected as no:
            return Answer(rejected(report.command_id, no.code, no.message, None), remember=True)
        return Failure("internal error: a report naming no case was accepted")

    async def _rounds(
        self,
        reports: dict[int, Report],
        queues: dict[str, list[int]],
        heads: dict[str, tuple[int, str] | None],
        read: dict[str, tuple[int, list[RecordedEvent]]],
        done: dict[int, Verdict],
    ) -> None:
        """Decide every queued report and append all their events in one pipelined call per round.

        Each case's reports are decided one after the other on the state the previous one
        leaves, then appended in the same ``append_many`` (each append chained to the one
        before). When an append of a case is refused (another writer moved it), that report
        and the later ones of its case go to the next round, on the case re-read from the
        store; the rest of the batch is final. A report refused ``append_tries`` times is
        answered ``version_conflict`` and not remembered (a resend is decided afresh). The
        reports of a case this service cannot fold are answered at once (``_unusable``). The first round takes
        its cases from ``read`` (prefetched in the batch lookup) wherever that reaches their heads.
        """
        tries: dict[int, int] = {}
        first_round = True
        while queues:
            loaded = await self.cases.load_many(
                {case_id: heads.get(case_id) if first_round else None for case_id in queues},
                read if first_round else None,
            )
            first_round = False
            plans: list[tuple[str, list[_Step]]] = []
            for case_id, queue in queues.items():
                case = loaded[case_id]
                if isinstance(case, Unusable):
                    done |= {i: self._unusable(reports[i], case) for i in queue}
                else:
                    plans.append((case_id, self._plan(reports, case_id, queue, case)))
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

    def _plan(self, reports: dict[int, Report], case_id: str, queue: Sequence[int], loaded: Loaded) -> list[_Step]:
        """Decide a case's queued reports one after the other, each on the state the previous one leaves."""
        steps: list[_Step] = []
        current = loaded
        for i in queue:
            command = reports[i].command
            try:
                events = proven(decide(command, current.state, datetime.now(UTC)), reports[i].proof)
            except Rejected as no:
                steps.append(
                    _Step(i, current, rejection=rejected(command.command_id, no.code, no.message, command.case_id))
                )
                continue
            except Exception as err:  # a bug must not stop the service: dead-letter this report, go on
                self.log.exception("internal_error", command_id=command.command_id, case_id=case_id)
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
        done: dict[int, Verdict],
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
                    done[i] = Answer(await answers.from_log(self.store, report.command_id, case_id, positions))
                    return True
            done[i] = Answer(step.rejection, remember=True)
            return True
        if step.failure is not None:
            done[i] = Failure(step.failure)
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
                done[i] = Answer(outcome)
            return False
        if isinstance(result, AppendResult) and result.duplicate:
            # Another process recorded this command meanwhile: give its answer.
            done[i] = Answer(await answers.from_log(self.store, report.command_id, case_id, result.positions))
            return False
        if not isinstance(result, AppendResult) or step.after is None:
            done[i] = Failure(f"internal error: the append was refused ({result})")
            return False
        self.cases.keep(Loaded(step.after.state, result.head_hash or advance(step.before, step.events).head_hash))
        done[i] = Answer(answers.from_append(report.command_id, case_id, step.events, result))
        return True

    def _unusable(self, report: Report, case: Unusable) -> Verdict:
        """A report on a case this service cannot fold: refused at once, with the code that says why, to a unit
        that recorded in it; anyone else is answered as for a case that does not exist (need-to-know)."""
        if report.command.unit not in case.authors:
            message = f"case_id: there is no case {report.command.case_id!r}"
            return Answer(rejected(report.command_id, reasons.UNKNOWN_CASE, message, report.command.case_id),
                          remember=True)
        outcome = rejected(report.command_id, case.code, case.message, report.command.case_id)
        # Another kind of case stays so: remember it. An unreadable one may be readable after an upgrade.
        return Answer(outcome, remember=case.code == reasons.WRONG_CASE_KIND)


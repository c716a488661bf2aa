"""The one intake pipeline: a batch of intake entries in, one outcome per report out, each failure its own.

Every intake service runs the same steps; only deciding differs, and each service gives that::

    read entries   -> malformed ones are answered ``malformed`` and dead-lettered
    signatures     -> a report not signed by a key registered for it is answered ``unsigned``, ``bad_signature``
                      or ``key_revoked`` and dead-lettered without its content, before it can claim its id
    lookup         -> one round trip: the command id's claim, recorded events, remembered rejection, case head,
                      and the names check's lookup
    names check    -> free text naming a vault subject is refused before anything is decided (ADR 0016); a
                      names index that cannot be checked leaves the batch pending, decided by nobody
    answer known   -> a reused command id is refused; a resend gets its original outcome
    decide         -> the service's ``decide`` (abstract), isolated: if it raises, the batch is decided
                      again one report at a time, and only a report that still raises fails
    settle         -> rejections remembered, outcomes and dead letters written, entries acked

Order of effects for every entry: the append returns (Redis replies after fsync with
``appendfsync always``) -> the rejection is remembered, if any -> the outcome (and dead letter) is
written -> the entry is acknowledged. A Redis failure anywhere leaves the unfinished entries
pending; the reclaim loop processes them again, and the resend checks make that harmless.
"""

from __future__ import annotations

import asyncio
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.access.signatures import Refusal, Registry, check
from shared.access.unit_keys import Signers
from shared.domain import reasons as reasons
from shared.intake import batch_io
from shared.intake.batch_io import Finished, Known
from shared.intake.entries import Malformed, Report, dead_letter_fields, withheld_fields
from shared.intake.names import query as names_query
from shared.intake.names import refusals
from shared.intake.settle import settle
from shared.outcomes import Outcome, answers, rejected
from shared.service_config import IntakeConfig
from shared.store import EventStore, keys, pipelined
from shared.vault.store import VaultError

REDIS_FAILURES = (RedisError, OSError)
"""Failures that say nothing about the report: leave it pending and try again later."""

Entry = tuple[bytes, dict[bytes, bytes]]
R = TypeVar("R", bound=Report[Any])


@dataclass(frozen=True, slots=True)
class Answer:
    """A report's outcome; ``remember``: keep a rejection so a resend gets it again (not for passing troubles)."""

    outcome: Outcome
    remember: bool = False


@dataclass(frozen=True, slots=True)
class Failure:
    """A report the service could not complete: answered ``processing_failed`` and dead-lettered, with why."""

    why: str


Verdict = Answer | Failure | None
"""What became of one report; None: left pending, to be decided again when the reclaim loop takes it."""


@dataclass(frozen=True, slots=True)
class Todo(Generic[R]):
    """A report to decide: its index in the batch, the report, and what Redis knew of it."""

    index: int
    report: R
    known: Known


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What a service asked to read in the batch lookup's round trip (``Pipeline.prefetch``): its plan, the replies."""

    plan: Any
    replies: Sequence[Any]


Decided = tuple[dict[int, Verdict], BaseException | None]
"""Verdicts by batch index, and the Redis failure that stopped the rest (left pending), if any."""


class Pipeline(ABC, Generic[R]):
    """Turns a batch of intake entries into outcomes; shared by a service's subscriber and its reclaim loop."""

    def __init__(
        self, redis: Redis, store: EventStore, config: IntakeConfig, *, service: str,
        read_entry: Callable[[bytes, dict[bytes, bytes]], R | Malformed],
    ) -> None:
        self.redis = redis
        self.store = store
        self.config = config
        self.service = service
        self.intake = keys.intake(service)
        self.group = service
        self.dead_letters = keys.dead_letters(service)
        self.log = structlog.get_logger(service)
        self._read_entry = read_entry
        self._resends = asyncio.Semaphore(config.concurrency)
        self.signers = Signers(store)
        """The key registry, read from the log at most a second apart (ADR 0020)."""
        self.completed = 0
        """Entries acknowledged by this process (answered, or dead-lettered)."""
        self.conflicts = 0
        """Appends refused because another writer moved the case first (each was re-decided)."""

    @abstractmethod
    async def decide(self, todo: Sequence[Todo[R]], prefetched: Prefetched | None = None) -> Decided:
        """Decide and record the reports nobody answered yet (each command id once); a verdict for each.

        ``prefetched``: the replies to what ``prefetch`` asked to read for this batch, if anything.
        """

    def prefetch(self, reports: Sequence[R]) -> tuple[list[pipelined.Command], Any]:
        """Reads to send in the batch lookup's round trip, and a plan ``decide`` reads their replies with; none here."""
        return [], None

    async def recorded(self, report: R, positions: Sequence[str]) -> Outcome:
        """The outcome of a report whose events were recorded before, rebuilt from their log positions."""
        assert report.case_id is not None
        return await answers.from_log(self.store, report.command_id, report.case_id, positions)

    def may_wait(self, report: R) -> bool:
        """True for a report that may stay pending past ``max_deliveries`` (a service's own reason)."""
        return False

    async def process(self, entries: Sequence[Entry], give_up: frozenset[bytes] = frozenset()) -> None:
        """Process and acknowledge a batch; entries in ``give_up`` were delivered too often (answered if they
        can be, else dead-lettered). Raises the Redis error that stopped part of the batch, after
        acknowledging what was completed; the rest stays pending."""
        malformed: list[Finished] = []
        reports: list[R] = []
        for entry_id, fields in entries:
            item = self._read_entry(entry_id, fields)
            if isinstance(item, Malformed):
                malformed.append(self._malformed(item))
            else:
                reports.append(item)
        finished = list(malformed)
        error: BaseException | None = None
        if reports:
            try:
                registry = await self.signers.current()
            except REDIS_FAILURES as err:
                self.log.error("redis_failed", reports=len(reports), error=str(err))
                error, reports = err, []
            else:
                reports = self._signed(reports, registry, finished)
        if reports:
            try:
                # The names check rides in the lookup's round trip: before decide, so no name reaches the log
                # (ADR 0016).
                names = await names_query(self.redis, reports)
                reads, plan = self.prefetch(reports)
                known = await batch_io.lookup(self.redis, self.store, reports, also=[names.command, *reads])
                named = await refusals(self.redis, reports, known, names, known.also[0])
                prefetched = Prefetched(plan, known.also[1:])
            except REDIS_FAILURES as err:
                self.log.error("redis_failed", reports=len(reports), error=str(err))
                error = err
            except VaultError as err:  # no text can be checked for names (ADR 0016): decide nothing, leave it pending
                self.log.error("names_check_failed", reports=len(reports), error=str(err))
            else:
                verdicts, error = await self._answer(reports, known, named, give_up, prefetched)
                finished += self._finished(reports, verdicts, named)
        if finished:
            try:
                await settle(self.redis, self.intake, finished, malformed, self._publish, self.log)
            except VaultError as err:  # dead letters cannot be checked for names: write none, leave all pending
                self.log.error("names_check_failed", reports=len(finished), error=str(err))
            else:
                self.completed += len(finished)
        if error is not None:
            raise error

    def _signed(self, reports: Sequence[R], registry: Registry, finished: list[Finished]) -> list[R]:
        """The reports whose signature holds, each with its proof; the others answered into ``finished``.

        Checked before the lookup, so a forged report never claims a command id (ADR 0008) nor reaches
        the names check; its dead letter keeps no content (it may name anyone), only its hash and size.
        """
        signed: list[R] = []
        for report in reports:
            verdict = check(registry, report.raw, report.command.unit, report.command_id, report.signature,
                            report.principal)
            if isinstance(verdict, Refusal):
                self.log.warning("refused_signature", command_id=report.command_id, code=verdict.code)
                outcome = rejected(report.command_id, verdict.code, verdict.message, report.command.case_id)
                dead = withheld_fields(dead_letter_fields(self.intake, report, verdict.message), verdict.code,
                                       report.raw)
                finished.append(Finished(report.entry_id, outcome, dead))
            else:
                signed.append(dataclasses.replace(report, proof=verdict))
        return signed

    async def _answer(
        self, reports: Sequence[R], known: Sequence[Known], named: dict[int, Outcome], give_up: frozenset[bytes],
        prefetched: Prefetched,
    ) -> Decided:
        """Answer what Redis already knows, decide the rest; a command repeated in the batch gets the first's answer."""
        verdicts: dict[int, Verdict] = {}
        first_of: dict[str, int] = {}
        resent: list[int] = []
        todo: list[Todo[R]] = []
        for i, (report, k) in enumerate(zip(reports, known, strict=True)):
            if k.reused:  # before all else: what Redis holds under this id belongs to another report
                verdicts[i] = Answer(answers.reused(report.command_id, report.command.case_id))
                continue
            if report.command_id in first_of:
                continue
            first_of[report.command_id] = i
            if k.positions is not None and report.case_id is not None:
                resent.append(i)
            elif k.rejection is not None:
                verdicts[i] = Answer(k.rejection)
            elif i in named:  # before give_up: a dead letter would keep the name
                verdicts[i] = Answer(named[i], remember=True)
            elif report.entry_id in give_up and not self.may_wait(report):
                verdicts[i] = Failure(f"not completed after {self.config.max_deliveries} deliveries")
            else:
                todo.append(Todo(i, report, k))
        error: BaseException | None = None
        try:
            outcomes = await asyncio.gather(
                *(self._recorded_bounded(reports[i], known[i].positions) for i in resent), return_exceptions=True
            )
            for i, outcome in zip(resent, outcomes, strict=True):
                verdicts[i] = self._resend_verdict(reports[i], outcome)
            decided, error = await self._isolated(todo, prefetched)
            verdicts |= decided
        except REDIS_FAILURES as err:  # what is not done stays pending; the reclaim loop takes it again
            self.log.error("redis_failed", reports=len(reports) - len(verdicts), error=str(err))
            error = err
        for i, report in enumerate(reports):
            first = verdicts.get(first_of.get(report.command_id, i))
            if i not in verdicts and isinstance(first, Answer):
                verdicts[i] = Answer(first.outcome)
        return verdicts, error

    def _resend_verdict(self, report: R, outcome: Outcome | BaseException) -> Verdict:
        """A resend's outcome; a resend the service fails on (an event it cannot read) fails alone, never its batch."""
        if isinstance(outcome, REDIS_FAILURES) or not isinstance(outcome, Exception | Outcome):
            raise outcome  # Redis is away (the batch stays pending), or a cancellation
        if isinstance(outcome, Exception):
            self.log.error("internal_error", command_id=report.command_id, case_id=report.case_id,
                           error=f"{type(outcome).__name__}: {outcome}")
            return Failure(f"internal error answering a resend: {type(outcome).__name__}: {outcome}")
        return Answer(outcome)

    async def _recorded_bounded(self, report: R, positions: Sequence[str] | None) -> Outcome:
        """``recorded``, at most ``concurrency`` at once: a batch of resends (a restart's redeliveries) must not take
        a pooled connection each (redis-py's pool refuses past its limit, and every loop of the process shares it)."""
        async with self._resends:
            return await self.recorded(report, positions or ())

    async def _isolated(self, todo: Sequence[Todo[R]], prefetched: Prefetched | None) -> Decided:
        """``decide``, so that a report it raises on fails alone: a raising batch is decided again report by report.

        Deciding again is safe: whatever the failed attempt recorded is found by its command id
        (the append script answers a recorded command with its original positions).
        """
        if not todo:
            return {}, None
        try:
            return await self.decide(todo, prefetched)
        except REDIS_FAILURES:
            raise
        except Exception as err:  # a bug must not fail the batch, nor stop the service
            if len(todo) == 1:
                report = todo[0].report
                self.log.exception("internal_error", command_id=report.command_id, case_id=report.case_id)
                return {todo[0].index: Failure(f"internal error: {type(err).__name__}: {err}")}, None
            self.log.exception("batch_failed_deciding_one_by_one", reports=len(todo))
        verdicts: dict[int, Verdict] = {}
        for item in todo:
            one, error = await self._isolated([item], prefetched)
            verdicts |= one
            if error is not None:
                return verdicts, error
        return verdicts, None

    def _finished(
        self, reports: Sequence[R], verdicts: dict[int, Verdict], named: dict[int, Outcome]
    ) -> list[Finished]:
        """The batch's completed entries, in intake order (a report left pending has no verdict)."""
        finished = []
        for i, report in enumerate(reports):
            verdict = verdicts.get(i)
            if isinstance(verdict, Failure):
                finished.append(self._failed(report, verdict.why))
            elif isinstance(verdict, Answer):
                self._log_answer(report, verdict.outcome)
                # A report refused for another reason than a name may still hold one: its entry goes too.
                finished.append(Finished(report.entry_id, verdict.outcome, remember_rejection=verdict.remember,
                                         drop_entry=i in named))
        return finished

    def _log_answer(self, report: R, outcome: Outcome) -> None:
        if outcome.status == "accepted":
            self.log.debug("accepted", command_id=report.command_id, case_id=outcome.case_id, version=outcome.version)
        else:
            assert outcome.reason is not None
            self.log.info("rejected", command_id=report.command_id, case_id=report.case_id, code=outcome.reason.code)

    async def _publish(self, finished: Sequence[Finished]) -> None:
        await batch_io.publish(self.redis, finished, self.dead_letters, self.config.rejection_ttl_s,
                               intake=self.intake, group=self.group)

    def _malformed(self, item: Malformed) -> Finished:
        outcome = None if item.command_id is None else rejected(item.command_id, reasons.MALFORMED, item.reason)
        # Not remembered, nor claimed: it is no decision about the command, and the sender should be
        # able to fix the report and send it again under the same id.
        return Finished(item.entry_id, outcome, dead_letter_fields(self.intake, item, item.reason))

    def _failed(self, report: R, why: str) -> Finished:
        self.log.error("dead_letter", entry_id=report.entry_id.decode(), command_id=report.command_id,
                       case_id=report.case_id, reason=why)
        message = f"the {self.service} service could not process this report ({why}); it is kept in the dead-letter " \
                  "stream"
        outcome = rejected(report.command_id, reasons.PROCESSING_FAILED, message, report.command.case_id)
        return Finished(report.entry_id, outcome, dead_letter_fields(self.intake, report, why))

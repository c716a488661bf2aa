"""The two batch-wide round trips of the intake pipeline: what Redis knows before, and what it is told after.

Before: each report's claim on its command id (ADR 0008), its recorded events, its remembered
rejection and its case head, and any read the pipeline adds (the names check's lookup, a service's
case reads: ADR 0026, which a batch at 1,000 reports/s waited on as two more round trips of ~1.7 ms
each). After: rejections remembered, outcomes and dead letters written, acks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.intake.entries import Report
from shared.outcomes import Outcome, outcome_decoder, outcome_encoder
from shared.store import EventStore, keys, pipelined
from shared.store.chain import GENESIS

OUTCOMES_KEPT = 200_000
"""Outcomes kept on the outcomes stream (ADR 0007): a waiting tool reads its answer within seconds, and a
resend long after is answered again from the log's command index or the remembered rejection; the stream is
a mailbox, not the log, so it is capped rather than left to grow with every report ever sent."""


@dataclass(frozen=True, slots=True)
class Known:
    """What Redis already holds about a report: its events' positions, its rejection, its case head."""

    positions: tuple[str, ...] | None = None
    rejection: Outcome | None = None
    head: tuple[int, str] | None = None
    reused: bool = False
    """The command id was claimed first by a different report (ADR 0008): this one is refused, and nothing
    else Redis holds under that id (positions, rejection) is this report's."""


@dataclass(slots=True)
class Finished:
    """What a completed entry leaves behind: its outcome and/or dead letter, then its ack."""

    entry_id: bytes
    outcome: Outcome | None = None
    dead: dict[str, bytes | str] | None = None
    remember_rejection: bool = False
    drop_entry: bool = False
    """The intake entry names a vault subject: delete it once answered (``names.drop_refused``)."""


_canonical = msgspec.json.Encoder()


def fingerprint(command: Any) -> str:
    """What identifies a report under its command id: SHA-256 of the decoded command re-encoded (so spacing
    and key order in the sender's JSON do not matter), first 128 bits in hex."""
    return hashlib.sha256(_canonical.encode(command)).hexdigest()[:32]


class Looked(list[Known]):
    """The batch lookup's answer: what Redis knows of each report, in order (a list, as the lookup always gave),
    and in ``also`` the replies to the commands sent along (an error reply as the ResponseError, not raised)."""

    def __init__(self, known: list[Known], also: list[Any]) -> None:
        super().__init__(known)
        self.also = also


def _outcome(raw: bytes | None) -> Outcome | None:
    return None if raw is None else outcome_decoder.decode(raw)


async def lookup(
    redis: Redis, store: EventStore, reports: Sequence[Report[Any]], also: Sequence[pipelined.Command] = ()
) -> Looked:
    """One round trip for the whole batch: each report's claim, recorded events, remembered rejection, case head,
    and the commands ``also`` (answered in ``Looked.also``, an error reply in place: the caller says what it means).

    The claim (HSETNX, then HGET of the same field) is taken before anything is decided, so a crash
    after it leaves only a claim by this very report: its redelivery or resend matches it and goes on
    as usual. Claims are never deleted, so the HGET always reads the report that claimed first.
    """
    commands: list[pipelined.Command] = []
    prints = [fingerprint(report.command) for report in reports]
    for report, mark in zip(reports, prints, strict=True):
        claims = keys.claims(store.partition_of(report.command_id))
        commands.append(("HSETNX", claims, report.command_id, mark))
        commands.append(("HGET", claims, report.command_id))
        commands.append(("GET", keys.rejection(report.command_id)))
        if report.case_id is not None:
            k = store.keys(store.partition_of(report.case_id))
            commands.append(("HGET", k.cmds, report.command_id))
            commands.append(("HGET", k.heads, report.case_id))
    answered = await pipelined.execute(redis, [*commands, *also])
    for reply in answered[: len(commands)]:
        if isinstance(reply, ResponseError):
            raise reply
    replies = iter(answered)
    known = []
    for report, mark in zip(reports, prints, strict=True):
        next(replies)  # HSETNX: whether this report claimed the id now; the HGET says who holds it
        reused = next(replies) != mark.encode()
        rejection = _outcome(next(replies))
        if report.case_id is None:
            known.append(Known(rejection=rejection, reused=reused))
            continue
        positions, head = next(replies), next(replies)
        known.append(
            Known(
                positions=None if positions is None else tuple(positions.decode().split()),
                rejection=rejection,
                head=(0, GENESIS) if head is None else _head(head),
                reused=reused,
            )
        )
    return Looked(known, list(replies))


def _head(raw: bytes) -> tuple[int, str]:
    version, head_hash = raw.decode().split()
    return int(version), head_hash


async def publish(
    redis: Redis, finished: Sequence[Finished], dead_letters: str, rejection_ttl_s: int, *, intake: str, group: str
) -> None:
    """Remember rejections, then write outcomes and dead letters, then acknowledge the entries (``intake``, ``group``).

    Not one MULTI: the keys live in different hash slots (a Redis Cluster refuses that), and
    the order inside one pipeline already puts every ack after the outcome it follows.
    """
    await _remember_rejections(redis, finished, rejection_ttl_s)
    commands: list[pipelined.Command] = []
    for item in finished:
        if item.dead is not None:
            commands.append(("XADD", dead_letters, "*", *(part for pair in item.dead.items() for part in pair)))
        if item.outcome is not None:
            outcome = outcome_encoder.encode(item.outcome)
            commands.append(
                # ``stream`` and ``entry`` name the intake entry answered: a sender that knows the entry it wrote
                # takes this outcome, not one written for someone else's entry under the same command id.
                ("XADD", keys.OUTCOMES, "MAXLEN", "~", OUTCOMES_KEPT, "*",
                 "command_id", item.outcome.command_id, "outcome", outcome, "stream", intake, "entry", item.entry_id)
            )
    commands.append(("XACK", intake, group, *(item.entry_id for item in finished)))
    await pipelined.checked(redis, commands)


async def _remember_rejections(redis: Redis, finished: Sequence[Finished], ttl_s: int) -> None:
    """Keep each rejection so a resend gets the same answer; a rejection kept earlier wins (SET NX GET).

    Kept for 30 days (IntakeConfig.rejection_ttl_s), not forever: a rejection records nothing in
    the log, tools resend within minutes or hours, and without expiry every refused report would
    hold memory for good.
    """
    to_keep = [item for item in finished if item.remember_rejection and item.outcome is not None]
    if not to_keep:
        return
    commands: list[pipelined.Command] = []
    for item in to_keep:
        assert item.outcome is not None
        value = outcome_encoder.encode(item.outcome)
        commands.append(("SET", keys.rejection(item.outcome.command_id), value, "EX", ttl_s, "NX", "GET"))
    earlier = await pipelined.checked(redis, commands)
    for item, previous in zip(to_keep, earlier, strict=True):
        if previous is not None:
            item.outcome = outcome_decoder.decode(previous)

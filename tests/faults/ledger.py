"""What the fault tests check after the dust settles: every report answered once, the log exact.

Read from Redis alone: the intake stream (what was sent), the outcomes stream (what was answered)
and the partition logs (what was recorded).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from services.projections.queries import backlog
from services.projections.rebuild import diff
from shared.outcomes import Outcome, outcome_decoder
from shared.store import EventStore, keys
from shared.store.audit import verify
from tests.faults.conftest import eventually

CHUNK = 5000

async def scan(redis: Redis, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    """Every entry of a stream, oldest first."""
    entries: list[tuple[str, dict[bytes, bytes]]] = []
    start = "-"
    while True:
        chunk: Any = await redis.xrange(stream, start, "+", count=CHUNK)
        entries += [(entry_id.decode(), fields) for entry_id, fields in chunk]
        if len(chunk) < CHUNK:
            return entries
        start = f"({chunk[-1][0].decode()}"


INTAKES = ("hotline", "incidents")

AUTOMATIC = frozenset({"AcknowledgementOverdue", "AcceptanceOverdue", "ConfirmationOverdue"})
"""Event types the incidents service's deadline watch records without a report (so no outcome names them)."""


async def sent_command_ids(redis: Redis) -> Counter[str]:
    """How many times each command id was put on an intake (entries whose id can be read)."""
    sent: Counter[str] = Counter()
    for service in INTAKES:
        for _, fields in await scan(redis, keys.intake(service)):
            try:
                command_id = json.loads(fields[b"report"])["command_id"]
            except (KeyError, ValueError, TypeError):
                continue
            if isinstance(command_id, str):
                sent[command_id] += 1
    return sent


async def answers(redis: Redis) -> dict[str, list[bytes]]:
    """Every outcome written, by command id, as the bytes written."""
    by_command: dict[str, list[bytes]] = {}
    for _, fields in await scan(redis, keys.OUTCOMES):
        by_command.setdefault(fields[b"command_id"].decode(), []).append(fields[b"outcome"])
    return by_command


async def all_answered(redis: Redis, within: float = 60) -> None:
    """Wait until every report on the intakes has an outcome and no new one came for a while (the incidents
    service submits follow-ups of what it reads from the logs after the senders are done)."""
    last: set[str] = set()

    async def answered() -> bool:
        nonlocal last
        sent = set(await sent_command_ids(redis))
        settled = sent == last and not sent - (await answers(redis)).keys()
        last = sent
        return settled

    await eventually(answered, within, "an outcome for every report on the intakes", every=2.0)


@dataclass
class Ledger:
    """The reconciliation of what was sent, answered and recorded."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    """The one outcome of each command (all its copies are byte-identical)."""
    accepted_events: int = 0
    automatic_events: int = 0
    """Overdue events the deadline watch recorded (each once: event ids are checked unique)."""
    log_entries: int = 0

    @property
    def accepted(self) -> dict[str, Outcome]:
        """The accepted outcomes, by command id."""
        return {c: o for c, o in self.outcomes.items() if o.status == "accepted"}

    def rejected_codes(self) -> Counter[str]:
        """How many commands were rejected, by reason code."""
        return Counter(o.reason.code for o in self.outcomes.values() if o.reason is not None)


async def reconcile(store: EventStore, sent: set[str] | None = None) -> Ledger:
    """Check that every sent report has exactly one outcome (copies identical), every accepted outcome's
    positions hold exactly its events, the log holds nothing else and no event twice, and the audit
    finds no breach. ``sent``: the command ids to expect (default: every one on the intake)."""
    redis = store.redis
    expected = set(await sent_command_ids(redis)) if sent is None else sent
    answered = await answers(redis)
    missing = expected - answered.keys()
    assert not missing, f"{len(missing)} reports never answered, e.g. {sorted(missing)[:5]}"
    ledger = Ledger()
    for command_id in expected:
        copies = {raw: outcome_decoder.decode(raw) for raw in answered[command_id]}
        settled = {raw: o for raw, o in copies.items() if o.reason is None or o.reason.code != "version_conflict"}
        if settled:  # version_conflict is not remembered: a resend is decided afresh, by design
            copies = settled
        assert len(copies) == 1, f"{command_id} was answered differently: {sorted(copies)}"
        ledger.outcomes[command_id] = next(iter(copies.values()))

    log: dict[tuple[int, str], dict[str, Any]] = {}
    event_ids: Counter[str] = Counter()
    for p in range(store.partitions):
        for position, fields in await scan(redis, store.keys(p).log):
            event = json.loads(fields[b"e"])
            log[(p, position)] = event
            event_ids[event["event_id"]] += 1
    doubled = [e for e, n in event_ids.items() if n > 1]
    assert not doubled, f"events recorded twice: {doubled[:5]}"

    for command_id, outcome in ledger.accepted.items():
        assert outcome.case_id is not None
        p = store.partition_of(outcome.case_id)
        for ref in outcome.events:
            event = log.get((p, ref.position))
            assert event is not None, f"{command_id}: no event at {ref.position} of partition {p}"
            held = (event["event_id"], event["type"], event["case_version"], event["case_id"], event["causation_id"])
            assert held == (ref.event_id, ref.type, ref.case_version, outcome.case_id, command_id), (
                f"{command_id}: position {ref.position} holds {held}, the outcome says {ref}"
            )
        ledger.accepted_events += len(outcome.events)
    ledger.log_entries = len(log)
    ledger.automatic_events = sum(1 for event in log.values() if event["type"] in AUTOMATIC)
    assert ledger.log_entries == ledger.accepted_events + ledger.automatic_events, (
        f"the log holds {ledger.log_entries} events, the accepted outcomes account for {ledger.accepted_events} "
        f"and the deadline watch for {ledger.automatic_events}"
    )
    report = await verify(store)
    assert report.breaches == [], f"the audit found breaches: {report.breaches[:5]}"
    return ledger


async def projections_agree(store: EventStore, within: float = 60) -> None:
    """Wait until the projections have applied the whole log, then the rebuilt views equal the live ones."""

    async def caught_up() -> bool:
        return await backlog(store) == 0

    await eventually(caught_up, within, "the projections to apply the whole log", every=0.2)
    differences = await diff(store)
    assert differences == [], f"{len(differences)} views differ from the rebuild, e.g. {differences[:3]}"

"""What the fault tests check after the dust settles: every report answered once, the log exact.

Built from what the senders know they sent (their command ids, and the simulator's own record of
what each case recorded) against what Redis holds: the outcomes stream (what was answered) and the
partition logs (what was recorded). Never from the intake streams: the services trim them and delete
entries from them, so what is left there is not what was sent.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from liaison.report.sender import Sender
from services.incidents.calls import LINK_PREFIX, incident_command_id
from services.incidents.domain.follow_ups import finding_command_id
from services.projections.queries import backlog
from services.projections.rebuild import diff
from shared.access.signatures import REGISTRY_CASE
from shared.outcomes import Outcome, outcome_decoder
from shared.readmodel.queries import list_views
from shared.store import EventStore, keys
from shared.store.audit import verify
from tests.faults.conftest import ROOT, Stack, eventually

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


AUTOMATIC = frozenset({"AcknowledgementOverdue", "AcceptanceOverdue", "ConfirmationOverdue"})
"""Event types the incidents service's deadline watch records without a report (so no outcome names them)."""

CASE_OPENED_BY_CALL = incident_command_id("")
"""The command id prefix of the incident the incidents service raises for a hotline case's urgent call."""
REGISTRY_EVENTS = frozenset({"UnitKeyRegistered", "UnitKeyRevoked"})
"""Event types of the key registry's case (``UNIT-KEYS``, ADR 0020): key registrations, no report's."""
FINDING = finding_command_id("", 0).removesuffix("0")
"""What a patrol finding's follow-up command id holds between its event id and its index (``/finding/``)."""


def derived_from(command_id: str) -> tuple[str, str] | None:
    """("case", hotline case id) or ("event", event id) a command the incidents service submits itself is
    derived from, read from its command id; None for any other command id."""
    if command_id.startswith(CASE_OPENED_BY_CALL):
        return "case", command_id.removeprefix(CASE_OPENED_BY_CALL)
    if command_id.startswith(LINK_PREFIX):
        return "event", command_id.removeprefix(LINK_PREFIX)
    source, slash, index = command_id.rpartition(FINDING)
    if slash and index.isdigit():
        return "event", source
    return None


async def answers(redis: Redis) -> dict[str, list[bytes]]:
    """Every outcome written, by command id, as the bytes written."""
    by_command: dict[str, list[bytes]] = {}
    for _, fields in await scan(redis, keys.OUTCOMES):
        by_command.setdefault(fields[b"command_id"].decode(), []).append(fields[b"outcome"])
    return by_command


async def _idle(redis: Redis, service: str) -> bool:
    """True if every group on the service's intake has read its last entry and holds none unacknowledged."""
    try:
        stream: Any = await redis.xinfo_stream(keys.intake(service))
        groups: Any = await redis.xinfo_groups(keys.intake(service))
    except ResponseError:  # no intake: the service never ran
        return True
    last = stream["last-generated-id"]
    return all(int(g["pending"]) == 0 and g["last-delivered-id"] == last for g in groups)


async def all_answered(redis: Redis, sent: Collection[str], within: float = 60) -> None:
    """Wait until every command the senders sent has an outcome, and the intake services went quiet: nothing
    left unread or unacknowledged and no new outcome between two looks (the incidents service submits
    follow-ups of what it reads from the logs, after the senders are done)."""
    expected = set(sent)
    last = -1

    async def answered() -> bool:
        nonlocal last
        found = await answers(redis)
        written = sum(len(copies) for copies in found.values())
        idle = all([await _idle(redis, service) for service in ("hotline", "incidents")])
        settled = idle and written == last and not expected - found.keys()
        last = written
        return settled

    await eventually(answered, within, f"an outcome for each of the {len(expected)} reports sent", every=2.0)


@dataclass
class Ledger:
    """The reconciliation of what was sent, answered and recorded."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    """The one outcome of each command the senders sent (all its copies are byte-identical)."""
    derived: dict[str, Outcome] = field(default_factory=dict)
    """The outcome of each command the incidents service submitted itself (follow-ups, urgent calls' incidents)."""
    accepted_events: int = 0
    """Events the accepted outcomes of the senders' commands list."""
    derived_events: int = 0
    """Events the accepted outcomes of the service's own commands list."""
    automatic_events: int = 0
    """Overdue events the deadline watch recorded (each once: event ids are checked unique)."""
    log_entries: int = 0
    """Events the log holds, the key registry's aside."""
    registry_events: int = 0
    """Events of the key registry (case ``UNIT-KEYS``): keys registered by the test's set-up, no report's."""
    by_case: dict[str, Counter[str]] = field(default_factory=dict)
    """Every event type the log holds, counted per case."""
    automatic_by_case: dict[str, Counter[str]] = field(default_factory=dict)
    """The deadline watch's events, counted per case and type."""

    @property
    def accepted(self) -> dict[str, Outcome]:
        """The accepted outcomes of the senders' commands, by command id."""
        return {c: o for c, o in self.outcomes.items() if o.status == "accepted"}

    def rejected_codes(self) -> Counter[str]:
        """How many of the senders' commands were rejected, by reason code."""
        return Counter(o.reason.code for o in self.outcomes.values() if o.reason is not None)


def _one_answer(command_id: str, copies: Sequence[bytes]) -> Outcome:
    """The command's outcome; every copy must say the same (version_conflict is not remembered: a resend is
    decided afresh, by design)."""
    decoded = {raw: outcome_decoder.decode(raw) for raw in copies}
    settled = {raw: o for raw, o in decoded.items() if o.reason is None or o.reason.code != "version_conflict"}
    if settled:
        decoded = settled
    assert len(decoded) == 1, f"{command_id} was answered differently: {sorted(decoded)}"
    return next(iter(decoded.values()))


async def reconcile(store: EventStore, sent: Collection[str]) -> Ledger:
    """Check that every command in ``sent`` (what the senders sent) has exactly one outcome (copies identical),
    that every other outcome answers a command the incidents service derives from a recorded event, that
    every accepted outcome's positions hold exactly its events, that the log holds nothing else (but the
    deadline watch's overdue events, each deadline once, and the key registry's events) and no event twice,
    and that the audit finds no breach."""
    redis = store.redis
    expected = set(sent)
    answered = await answers(redis)
    missing = expected - answered.keys()
    assert not missing, f"{len(missing)} reports never answered, e.g. {sorted(missing)[:5]}"
    ledger = Ledger()
    for command_id in expected:
        ledger.outcomes[command_id] = _one_answer(command_id, answered[command_id])

    log: dict[tuple[int, str], dict[str, Any]] = {}
    event_ids: Counter[str] = Counter()
    for p in range(store.partitions):
        for position, fields in await scan(redis, store.keys(p).log):
            event = json.loads(fields[b"e"])
            event_ids[event["event_id"]] += 1
            if event["case_id"] == REGISTRY_CASE:  # the signing keys the set-up registered: not a report's events
                assert event["type"] in REGISTRY_EVENTS, f"{REGISTRY_CASE} holds a {event['type']}"
                ledger.registry_events += 1
                continue
            log[(p, position)] = event
            ledger.by_case.setdefault(event["case_id"], Counter())[event["type"]] += 1
            if event["type"] in AUTOMATIC:
                ledger.automatic_by_case.setdefault(event["case_id"], Counter())[event["type"]] += 1
    doubled = [e for e, n in event_ids.items() if n > 1]
    assert not doubled, f"events recorded twice: {doubled[:5]}"
    deadlines = Counter((e["case_id"], e["type"], e.get("call_id")) for e in log.values() if e["type"] in AUTOMATIC)
    overdue_twice = [d for d, n in deadlines.items() if n > 1]
    assert not overdue_twice, f"deadlines recorded overdue more than once: {overdue_twice[:5]}"

    cases = set(ledger.by_case)
    for command_id in answered.keys() - expected:
        source = derived_from(command_id)
        assert source is not None, f"{command_id} was answered, but no sender sent it and no service derives it"
        kind, origin = source
        assert origin in (cases if kind == "case" else event_ids), f"{command_id} derives from no recorded {kind}"
        ledger.derived[command_id] = _one_answer(command_id, answered[command_id])

    listed: set[tuple[int, str]] = set()
    for mine, outcomes in ((True, ledger.outcomes), (False, ledger.derived)):
        for command_id, outcome in outcomes.items():
            if outcome.status != "accepted":
                continue
            assert outcome.case_id is not None
            p = store.partition_of(outcome.case_id)
            for ref in outcome.events:
                event = log.get((p, ref.position))
                assert event is not None, f"{command_id}: no event at {ref.position} of partition {p}"
                held = (event["event_id"], event["type"], event["case_version"], event["case_id"],
                        event["causation_id"])
                assert held == (ref.event_id, ref.type, ref.case_version, outcome.case_id, command_id), (
                    f"{command_id}: position {ref.position} holds {held}, the outcome says {ref}"
                )
                listed.add((p, ref.position))
            if mine:
                ledger.accepted_events += len(outcome.events)
            else:
                ledger.derived_events += len(outcome.events)
    ledger.log_entries = len(log)
    ledger.automatic_events = sum(1 for event in log.values() if event["type"] in AUTOMATIC)
    unexplained = [(at, e["type"], e["causation_id"]) for at, e in log.items()
                   if at not in listed and e["type"] not in AUTOMATIC]
    assert not unexplained, f"{len(unexplained)} events no accepted outcome lists, e.g. {unexplained[:3]}"
    assert ledger.log_entries == ledger.accepted_events + ledger.derived_events + ledger.automatic_events, (
        f"the log holds {ledger.log_entries} events, the accepted outcomes account for {ledger.accepted_events} "
        f"(+{ledger.derived_events} of the service's own reports) and the deadline watch for "
        f"{ledger.automatic_events}"
    )
    report = await verify(store)
    assert report.breaches == [], f"the audit found breaches: {report.breaches[:5]}"
    return ledger


async def projections_agree(store: EventStore, within: float = 60) -> None:
    """Wait until the projections have applied the whole log, then the rebuilt views equal the live ones."""

    async def caught_up() -> bool:
        return await backlog(store.redis, store) == 0

    await eventually(caught_up, within, "the projections to apply the whole log", every=0.2)
    differences = await diff(store.redis, store)
    assert differences == [], f"{len(differences)} views differ from the rebuild, e.g. {differences[:3]}"


KIND_OF_EVENT = {
    **dict.fromkeys(("HotlineCallLogged", "LetterSent", "LetterReceived", "MessageAcknowledged",
                     "UrgentCallConfirmedInWriting"), "hotline"),
    **dict.fromkeys(("IncidentRaised", "IncidentAcknowledged", "IncidentUpdated", "ResponseRecorded",
                     "CasesLinked", "IncidentClosed"), "incident"),
    **dict.fromkeys(("HandoverProposed", "NationalityVerified", "RiskAssessed", "ConsentRecorded",
                     "HandoverAccepted", "HandoverRejected", "HandoverScheduled", "HandoverExecuted",
                     "HandoverCompleted", "HandoverAborted"), "handover"),
    **dict.fromkeys(("PatrolScheduled", "PatrolRecorded"), "patrol"),
    **dict.fromkeys(("MeetingRecorded", "MinutesSigned"), "meeting"),
}
"""The kind of case (the view's ``kind``) each event type a sender's report records belongs to."""
COUNTED = {
    "calls": ("HotlineCallLogged",), "letters_sent": ("LetterSent",), "letters_received": ("LetterReceived",),
    "acknowledgements": ("MessageAcknowledged", "IncidentAcknowledged"), "confirmations": (
        "UrgentCallConfirmedInWriting",), "updates": ("IncidentUpdated",), "responses": ("ResponseRecorded",),
    "links": ("CasesLinked",), "verifications": ("NationalityVerified",), "risk_assessments": ("RiskAssessed",),
    "consents": ("ConsentRecorded",), "schedules": ("HandoverScheduled",), "minutes": ("MinutesSigned",),
}
"""The view's ``counts`` that count one per event, by the event types they count."""
CLOSING = frozenset({"IncidentClosed", "HandoverCompleted", "HandoverAborted", "HandoverRejected"})
"""Event types after which a case's view says ``closed``."""


async def views_match_senders(store: EventStore, ledger: Ledger, cases: Mapping[str, Mapping[str, int]]) -> None:
    """Compare each case the senders recorded (case id -> event type -> how many events their accepted
    outcomes listed) with the log and the live view: the log holds exactly those events plus the deadline
    watch's; the view is of their kind, at the log's version, with their counts, overdue events and
    closed status."""
    assert cases, "the senders recorded no case"
    views = {view.case_id: view for view in await list_views(store.redis, store)}
    for case_id, known in cases.items():
        recorded = Counter({t: n for t, n in known.items() if n})
        automatic = ledger.automatic_by_case.get(case_id, Counter())
        assert ledger.by_case.get(case_id) == recorded + automatic, (
            f"{case_id}: the log holds {ledger.by_case.get(case_id)}, the senders recorded {dict(recorded)} "
            f"and the deadline watch {dict(automatic)}"
        )
        view = views.get(case_id)
        assert view is not None, f"{case_id}: the senders recorded it, the projections have no view of it"
        kinds = {KIND_OF_EVENT[t] for t in recorded}
        assert kinds == {view.kind}, f"{case_id}: a {view.kind} view of a case of {sorted(recorded)}"
        assert view.version == sum(recorded.values()) + sum(automatic.values()), (case_id, view.version, recorded)
        counts = msgspec.structs.asdict(view.counts)
        want = {name: sum(recorded[t] for t in types) for name, types in COUNTED.items()}
        assert {name: counts[name] for name in COUNTED} == want, f"{case_id}: view counts {counts}, sent {want}"
        assert counts["overdue"] == sum(automatic.values()), (case_id, counts, automatic)
        assert counts["other"] == 0, (case_id, counts)
        assert (view.status == "closed") == bool(CLOSING & recorded.keys()), (case_id, view.status, recorded)


@dataclass
class Simulator:
    """A ``liaison simulate --json`` process whose sender writes down every command id it puts on an intake."""

    process: asyncio.subprocess.Process
    sent_file: Path

    async def finish(self, within: float) -> tuple[int, dict[str, Any], list[str], str]:
        """Wait for it (``within`` s): exit code, JSON summary (or {}), the command ids it sent, stderr's end."""
        out, err = await asyncio.wait_for(self.process.communicate(), timeout=within)
        sent = json.loads(self.sent_file.read_text()) if self.sent_file.exists() else []
        return self.process.returncode or 0, json.loads(out or b"{}"), sent, err.decode()[-2000:]

    async def stop(self) -> None:
        """Kill it if it still runs."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.communicate()


async def simulators(stack: Stack, count: int, events_each: int, seed: int) -> list[Simulator]:
    """Start ``count`` recording simulators of ``events_each`` reports, seeds seed, seed+1..."""
    started = []
    for i in range(count):
        sent_file = stack.workdir / f"sent-{seed + i}.json"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.faults.ledger", str(sent_file), "simulate", "--events", str(events_each),
            "--seed", str(seed + i), "--json", env=stack.env, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        started.append(Simulator(process, sent_file))
    return started


def _record_sends(sent_file: str, argv: list[str]) -> None:
    """Run ``liaison ARGV`` with its sender writing every command id it put on an intake to ``sent_file``."""
    import liaison.simulate.simulation
    from liaison.cli import main

    sent: list[str] = []

    class RecordingSender(Sender):
        async def send(self, service: str, command_id: str, line: bytes) -> asyncio.Future[bytes]:
            future = await super().send(service, command_id, line)
            sent.append(command_id)  # on the intake now
            return future

    setattr(liaison.simulate.simulation, "Sender", RecordingSender)  # noqa: B010 - the simulator's sender, recording
    try:
        main(argv)
    finally:
        Path(sent_file).write_text(json.dumps(sent))


if __name__ == "__main__":
    _record_sends(sys.argv[1], sys.argv[2:])

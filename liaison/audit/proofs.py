"""``liaison proofs``: check every signed proof in the log, so the other side can see who said what (ADR 0020).

Each event a report recorded first keeps that report's signature (``proof``). This reads every partition,
and checks each proof against the key registry the log itself holds (case ``UNIT-KEYS``): the key was
registered before the event's entry and not revoked before it (by log position, which Redis assigns), the
signature covers the report, the key speaks for the event's unit (or attests for it), and the report is the
one the event names as its cause, by the same officer with the same handling code. What it cannot prove is
in docs/security.md.
The other events of a report (same case, same ``causation_id``) rest on its first event's proof and are
counted with it; an event no report caused (a passed deadline, a key registration) or recorded before
reports were signed has no proof; they are counted, by type. Exit 3 if any proof fails.
"""

from __future__ import annotations

import sys
from collections import Counter

import msgspec

from liaison import exits
from liaison.connect import open_redis, open_store
from shared.access.signatures import proof_problem
from shared.access.unit_keys import read_registry
from shared.events.envelope import Proof
from shared.store import EventStore

PAGE = 2000


class _Head(msgspec.Struct):
    """What the check needs of an event; msgspec skips the rest without building it."""

    type: str = ""
    case_id: str = ""
    case_version: int = 0
    unit: str = ""
    officer: str = ""
    handling: str = "H1"
    causation_id: str = ""
    proof: Proof | None = None


_head = msgspec.json.Decoder(_Head).decode


class Finding(msgspec.Struct, frozen=True):
    """One proof that does not hold."""

    case_id: str
    case_version: int
    position: str
    problem: str


class ProofReport(msgspec.Struct):
    """What the check found: proofs that hold, events with none (by type), and the failures."""

    verified: int = 0
    covered: int = 0
    """Later events of a report whose first event's proof verified (same case, same causation id)."""
    unproven: dict[str, int] = msgspec.field(default_factory=dict)
    failures: list[Finding] = msgspec.field(default_factory=list)


async def check_proofs(store: EventStore) -> ProofReport:
    """Every proof of the log, checked against the registry the log holds."""
    registry = await read_registry(store)
    report = ProofReport()
    unproven: Counter[str] = Counter()
    proven: set[tuple[str, str]] = set()
    """(case, causation id) of every proof that verified: the report's other events rest on it."""
    for partition in range(store.partitions):
        after = "0"
        while page := await store.read_partition(partition, after, PAGE):
            for entry in page:
                try:
                    head = _head(entry.data)
                except msgspec.DecodeError:
                    continue  # not an event at all: `liaison replay --verify` says so; nothing here to check
                if head.proof is None:
                    if (head.case_id, head.causation_id) in proven:
                        report.covered += 1
                    else:
                        unproven[head.type] += 1
                    continue
                at_ms = int(entry.position.split("-", 1)[0])  # assigned by Redis: the writer cannot choose it
                problem = proof_problem(registry, head.proof, head.unit, head.causation_id, head.officer,
                                        head.handling, at_ms)
                if problem is None:
                    report.verified += 1
                    proven.add((head.case_id, head.causation_id))
                else:
                    report.failures.append(Finding(head.case_id, head.case_version, entry.position, problem))
            after = page[-1].position
    report.unproven = dict(sorted(unproven.items()))
    return report


async def proofs(as_json: bool) -> int:
    """Entry point of ``liaison proofs``."""
    client = await open_redis()
    try:
        found = await check_proofs(await open_store(client))
    finally:
        await client.aclose()
    if as_json:
        sys.stdout.write(msgspec.json.encode(found).decode() + "\n")
    else:
        print(f"{found.verified} events carry a signed proof that verifies; {found.covered} more are the same "
              "reports' other events")
        if found.unproven:
            kinds = ", ".join(f"{kind} {n}" for kind, n in found.unproven.items())
            print(f"{sum(found.unproven.values())} events no signed report caused: {kinds}")
        for f in found.failures:
            print(f"  PROOF FAILS: case {f.case_id} version {f.case_version} at {f.position}: {f.problem}")
        if found.failures:
            print(f"{len(found.failures)} proofs do not hold: those events cannot be shown to be what their unit said")
    return exits.TAMPERED if found.failures else exits.OK

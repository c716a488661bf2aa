"""``liaison simulate``: drive realistic liaison traffic through the services and say what it recorded.

Hotline calls and letters (``hotline_traffic``), and incidents, handovers, patrols and talks
(``incident_traffic``), each report sent to the intake of the service that handles its type
(``liaison.report.types``, derived from the services' command unions); a kind of case whose
report types no service handles yet is skipped, with a message, rather than failing.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import msgspec

from liaison import exits
from liaison.connect import open_redis, open_store
from liaison.report.follow_ups import follow_up_cases
from liaison.report.keyring import Keyring
from liaison.report.sender import Sender, served
from liaison.report.types import CASE_TYPES, SERVICE_OF
from liaison.simulate.hotline_traffic import SimCase, Traffic
from liaison.simulate.incident_traffic import Flow, IncidentTraffic
from shared.units import Unit
from shared.vault.persons import decode_person
from shared.vault.store import Vault

IN_FLIGHT = 200
OUTCOME_TIMEOUT_S = 60.0

NEW_CASE_WEIGHTS = {"hotline": 60, "incident": 18, "handover": 10, "patrol": 6, "meeting": 6}
"""How often a new case is of each kind."""

Target = tuple[SimCase | None, tuple[Unit, Unit] | None] | Flow
"""What a report is about: a hotline case (or the units of a new one), or a scripted incidents-service case."""


def routable_kinds(service_of: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Kinds of case whose every report type some service handles, and the types missing for the others."""
    missing = {kind: [t for t in types if t not in service_of] for kind, types in CASE_TYPES.items()}
    return [kind for kind in CASE_TYPES if not missing[kind]], {k: v for k, v in missing.items() if v}


class Simulation:
    """Sends reports, learns case ids and event ids from their outcomes, and counts what was recorded."""

    def __init__(self, sender: Sender, seed: int, service_of: dict[str, str] | None = None) -> None:
        self.sender = sender
        self.rng = random.Random(seed)
        self.traffic = Traffic(self.rng, uuid.uuid4().hex[:12])
        self.incidents = IncidentTraffic(self.rng, self.traffic.base)
        self.vault = Vault(sender.redis)
        self.service_of = SERVICE_OF if service_of is None else service_of
        self.kinds, self.skipped = routable_kinds(self.service_of)
        self.cases: dict[str, SimCase] = {}
        self.ready: list[str] = []
        self.flows: dict[str, Flow] = {}
        self.ready_flows: list[str] = []
        self.recorded: dict[str, Counter[str]] = {}
        # incident cases the incidents service opens for urgent calls and patrol findings: caused, never sent
        self.raised: set[str] = set()
        self.rejected: Counter[str] = Counter()
        self.accepted = 0
        self.unanswered = 0
        self.slots = asyncio.Semaphore(IN_FLIGHT)

    def next_report(self) -> tuple[dict[str, Any], Target]:
        """A follow-up on a ready case (most of the time), else a report opening a new case."""
        now = datetime.now(UTC)
        while self.ready_flows and self.rng.random() < 0.4:
            flow = self.flows[self.ready_flows.pop(self.rng.randrange(len(self.ready_flows)))]
            report = self.incidents.next(flow, now)
            if report is not None:
                flow.busy = True
                return report, flow
        if self.ready and self.rng.random() < 0.7 and "hotline" in self.kinds:
            case = self.cases[self.ready.pop(self.rng.randrange(len(self.ready)))]
            case.busy = True
            return self.traffic.follow_up(case, now), (case, None)
        kinds = self.kinds or ["hotline"]
        kind = self.rng.choices(kinds, weights=[NEW_CASE_WEIGHTS[k] for k in kinds])[0]
        if kind == "hotline":
            report, vn, cn = self.traffic.open_case(now)
            return report, (None, (vn, cn))
        return self.incidents.open(kind, now)

    async def send_one(self, report: dict[str, Any], target: Target) -> None:
        line = msgspec.json.encode(report)
        try:
            if isinstance(target, Flow) and target.case_id is None:
                for subject_id, personal in target.personal.items():  # the vault first: reports carry only the id
                    # checked as `liaison person add` and POST /v1/persons check what officers register
                    await self.vault.put(subject_id, decode_person(msgspec.json.encode(personal)))
            future = await self.sender.send(self.service_of[report["type"]], report["command_id"], line)
            outcome = msgspec.json.decode(await asyncio.wait_for(future, OUTCOME_TIMEOUT_S))
        except TimeoutError:
            self.unanswered += 1
            return
        finally:
            self.slots.release()
        if isinstance(target, Flow):
            self.learn_flow(target, outcome, report)
        else:
            self.learn(report, outcome, *target)

    def learn_flow(self, flow: Flow, outcome: dict[str, Any], report: dict[str, Any]) -> None:
        """Learn a scripted case's id from its outcome and make it ready for its next step."""
        flow.busy = False
        if outcome.get("status") != "accepted":
            self.rejected[outcome.get("reason", {}).get("code", "unknown")] += 1
            return  # a script cannot go on past a refused step
        self.accepted += 1
        self.raised.update(follow_up_cases(report, outcome, self.service_of))
        flow.case_id = outcome["case_id"]
        counts = self.recorded.setdefault(flow.case_id, Counter())
        for event in outcome.get("events", []):
            counts[event["type"]] += 1
        self.flows[flow.case_id] = flow
        if flow.steps:
            self.ready_flows.append(flow.case_id)

    def learn(
        self, report: dict[str, Any], outcome: dict[str, Any], case: SimCase | None, pair: tuple[Unit, Unit] | None
    ) -> None:
        """Update what the simulator knows of the case from one outcome."""
        if outcome.get("status") != "accepted":
            self.rejected[outcome.get("reason", {}).get("code", "unknown")] += 1
            if case is not None:
                case.busy = False
                self.ready.append(case.case_id)
            return
        self.accepted += 1
        case_id = outcome["case_id"]
        if case is None:
            if pair is None:
                raise ValueError("a report opening a case must say which units it is between")
            case = self.cases.setdefault(case_id, SimCase(case_id, *pair))
        counts = self.recorded.setdefault(case_id, Counter())
        for event in outcome.get("events", []):
            counts[event["type"]] += 1
            case.record(event["type"], report, event["event_id"])
        case.busy = False
        self.ready.append(case_id)
        self.raised.update(follow_up_cases(report, outcome, self.service_of))

    async def run(self, reports: int, rate: float | None) -> float:
        """Send ``reports`` reports (at ``rate`` per second if given); returns the seconds it took."""
        started = time.monotonic()
        tasks: set[asyncio.Task[None]] = set()
        for i in range(reports):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await self.slots.acquire()
            report, target = self.next_report()
            task = asyncio.create_task(self.send_one(report, target))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        return time.monotonic() - started

    def summary(self, elapsed: float) -> dict[str, Any]:
        """What was sent and recorded, per case."""
        return {
            "reports": self.accepted + sum(self.rejected.values()) + self.unanswered,
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "unanswered": self.unanswered,
            # kinds of case not simulated, with the report types no running service handles
            "skipped": dict(sorted(self.skipped.items())),
            "cases": {case_id: dict(counts) for case_id, counts in sorted(self.recorded.items())},
            # opened by a service in answer to these reports; their events are that service's to record
            "follow_up_cases": sorted(self.raised),
            "events": sum(sum(c.values()) for c in self.recorded.values()),
            "elapsed_s": round(elapsed, 3),
        }


async def simulate(reports: int, rate: float | None, seed: int, as_json: bool) -> int:
    """Entry point of ``liaison simulate``."""
    client = await open_redis()
    try:
        await open_store(client)
        service_of = await served(client)
        async with Sender(client, Keyring.of_box()) as sender:  # the seed units' keys `liaison up` made
            sim = Simulation(sender, seed, service_of)
            for kind, types in sorted(sim.skipped.items()):
                print(f"liaison: skipping {kind} cases: no running service handles {', '.join(types)}",
                      file=sys.stderr)
            elapsed = await sim.run(reports, rate)
    finally:
        await client.aclose()
    result = sim.summary(elapsed)
    if as_json:
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    else:
        rate_done = result["reports"] / elapsed if elapsed > 0 else 0.0
        print(f"sent {result['reports']} reports in {elapsed:.1f} s ({rate_done:.0f}/s)")
        print(f"  accepted {result['accepted']}, rejected {sum(sim.rejected.values())}, unanswered {sim.unanswered}")
        for code, n in sorted(sim.rejected.items()):
            print(f"    rejected {code}: {n}")
        print(f"  {len(result['cases'])} cases opened by these reports, {result['events']} events recorded")
        if sim.raised:
            print(f"  {len(sim.raised)} more opened by the incidents service (urgent calls, patrol findings),"
                  f" {len(result['cases']) + len(sim.raised)} cases in all")
    if sim.unanswered:
        return exits.USAGE
    return exits.REJECTED if sim.rejected else exits.OK

"""``liaison simulate``: drive realistic hotline traffic through the services and say what it recorded."""

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
from liaison.sender import Sender
from liaison.traffic import Message, SimCase, Traffic
from shared.units import Unit

IN_FLIGHT = 200
OUTCOME_TIMEOUT_S = 60.0


class Simulation:
    """Sends reports, learns case ids and event ids from their outcomes, and counts what was recorded."""

    def __init__(self, sender: Sender, seed: int) -> None:
        self.sender = sender
        self.rng = random.Random(seed)
        self.traffic = Traffic(self.rng, uuid.uuid4().hex[:12])
        self.cases: dict[str, SimCase] = {}
        self.ready: list[str] = []
        self.recorded: dict[str, Counter[str]] = {}
        self.rejected: Counter[str] = Counter()
        self.accepted = 0
        self.unanswered = 0
        self.slots = asyncio.Semaphore(IN_FLIGHT)

    def next_report(self) -> tuple[dict[str, Any], SimCase | None, tuple[Unit, Unit] | None]:
        """A follow-up on a ready case (most of the time), else a report opening a new case."""
        now = datetime.now(UTC)
        if self.ready and self.rng.random() < 0.7:
            case = self.cases[self.ready.pop(self.rng.randrange(len(self.ready)))]
            case.busy = True
            return self.traffic.follow_up(case, now), case, None
        report, vn, cn = self.traffic.open_case(now)
        return report, None, (vn, cn)

    async def send_one(self, report: dict[str, Any], case: SimCase | None, pair: tuple[Unit, Unit] | None) -> None:
        line = msgspec.json.encode(report)
        try:
            future = await self.sender.send("hotline", report["command_id"], line)
            outcome = await asyncio.wait_for(future, OUTCOME_TIMEOUT_S)
        except TimeoutError:
            self.unanswered += 1
            return
        finally:
            self.slots.release()
        self.learn(report, outcome, case, pair)

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
            self._remember(case, report, event)
        case.busy = False
        self.ready.append(case_id)

    @staticmethod
    def _remember(case: SimCase, report: dict[str, Any], event: dict[str, Any]) -> None:
        kind, event_id = event["type"], event["event_id"]
        if kind == "HotlineCallLogged":
            case.messages.append(
                Message(event_id, report["caller_unit"], report["callee_unit"], urgent_unconfirmed=report["urgent"])
            )
        elif kind == "LetterSent":
            to_unit = report.get("to_unit") or next(
                m.recipient for m in case.messages if m.event_id == report["call_id"]
            )
            case.messages.append(Message(event_id, report["unit"], to_unit))
        elif kind == "LetterReceived":
            case.messages.append(Message(event_id, report["from_unit"], report["unit"]))
        elif kind == "MessageAcknowledged":
            for message in case.messages:
                if message.event_id == report["message_id"]:
                    message.acknowledged = True
        elif kind == "UrgentCallConfirmedInWriting":
            for message in case.messages:
                if message.event_id == report["call_id"]:
                    message.urgent_unconfirmed = False

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
            report, case, pair = self.next_report()
            task = asyncio.create_task(self.send_one(report, case, pair))
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
            "cases": {case_id: dict(counts) for case_id, counts in sorted(self.recorded.items())},
            "events": sum(sum(c.values()) for c in self.recorded.values()),
            "elapsed_s": round(elapsed, 3),
        }


async def simulate(reports: int, rate: float | None, seed: int, as_json: bool) -> int:
    """Entry point of ``liaison simulate``."""
    client = await open_redis()
    try:
        await open_store(client)
        async with Sender(client) as sender:
            sim = Simulation(sender, seed)
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
        print(f"  {len(result['cases'])} cases, {result['events']} events recorded")
    if sim.unanswered:
        return exits.USAGE
    return exits.REJECTED if sim.rejected else exits.OK

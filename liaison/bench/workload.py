"""What the benchmarks write: realistic hotline events and reports, made fast enough to fill a million.

Template cases are decided by the real hotline domain from the simulator's traffic (calls,
letters, acknowledgements, written confirmations between the seed units, texts in vi and
zh), so events have the sizes and shapes the service writes. A filled case is a clone of
a template with its own case id, event ids and command ids (references between its
events follow), which costs a few microseconds where deciding costs tens.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from liaison.simulate.hotline_traffic import SimCase, Traffic
from services.hotline.domain import Rejected, case_id_of, decide, fold
from services.hotline.domain.commands import AnyCommand
from shared.events import AnyEvent

_command_decoder = msgspec.json.Decoder(AnyCommand)
_REFERENCES = ("message_id", "call_id", "confirms_call")
"""Event fields that name another event of the case."""


def _learn(case: SimCase, report: dict[str, Any], events: list[AnyEvent]) -> None:
    """What the simulator would learn from the outcome (``SimCase.record``, as ``liaison simulate`` learns)."""
    for event in events:
        case.record(type(event).__name__, report, event.event_id)


def template_cases(count: int, events_per_case: int, seed: int = 7) -> list[list[AnyEvent]]:
    """``count`` cases of about ``events_per_case`` events each, decided by the hotline domain."""
    rng = random.Random(seed)
    traffic = Traffic(rng, f"bench{seed}")
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    cases: list[list[AnyEvent]] = []
    for _ in range(count):
        report, vn, cn = traffic.open_case(now)
        command = _command_decoder.decode(msgspec.json.encode(report))
        case_id = case_id_of(command)
        assert case_id is not None
        state = fold(case_id, [])
        events = decide(command, state, now)
        state = fold(case_id, events, state)
        sim = SimCase(case_id, vn, cn)
        _learn(sim, report, events)
        history = list(events)
        while len(history) < events_per_case:
            now += timedelta(minutes=rng.randint(1, 90))
            report = traffic.follow_up(sim, now)
            try:
                events = decide(_command_decoder.decode(msgspec.json.encode(report)), state, now)
            except Rejected:
                continue
            state = fold(case_id, events, state)
            _learn(sim, report, events)
            history += events
        cases.append(history)
    return cases


@dataclass(frozen=True, slots=True)
class Clone:
    """One filled case: its id and its events, in version order."""

    case_id: str
    events: list[AnyEvent]


def _renamed(value: str, tag: str) -> str:
    return value[:-12] + tag


def clone(template: list[AnyEvent], case_id: str, tag: str) -> list[AnyEvent]:
    """The template's events as another case's: new case id, event ids and command ids (``tag``: 12 hex)."""
    out: list[AnyEvent] = []
    for event in template:
        changes: dict[str, Any] = {
            "case_id": case_id,
            "event_id": _renamed(event.event_id, tag),
            "causation_id": f"{event.causation_id}-{tag}",
            "correlation_id": f"{event.correlation_id}-{tag}",
        }
        for name in _REFERENCES:
            value = getattr(event, name, None)
            if value is not None:
                changes[name] = _renamed(value, tag)
        out.append(msgspec.structs.replace(event, **changes))
    return out


def cases(templates: list[list[AnyEvent]], first: int, count: int, run: str) -> Iterator[Clone]:
    """Filled cases number ``first`` .. ``first + count - 1`` of a run, cycling through the templates."""
    for i in range(first, first + count):
        tag = f"{i:012x}"
        case_id = f"HL-{run}{i:08d}"
        yield Clone(case_id, clone(templates[i % len(templates)], case_id, tag))


class Reports:
    """Reports as a tool sends them (JSON bytes): openers, then waves of follow-up calls and letters.

    Report ``w`` of a case makes its version ``w`` (every one records exactly one event), so a
    case update can be matched to the report that caused it. Follow-ups that need an event id
    from an outcome (acknowledgements, confirmations) are left out: the sender does not wait
    for outcomes, which is what lets it offer a fixed rate.
    """

    def __init__(self, seed: int, run: str) -> None:
        self.rng = random.Random(seed)
        self.traffic = Traffic(self.rng, run)
        self.now = datetime.now(UTC)

    def opener(self) -> tuple[bytes, str, SimCase]:
        """A report opening a case (call or letter): its bytes, its case id, its parties."""
        while True:
            report, vn, cn = self.traffic.open_case(self.now)
            if report["type"] != "ReceiveLetter":  # every opener records one event; this one does too,
                break  # but keeping to calls and letters keeps waves uniform
        command = _command_decoder.decode(msgspec.json.encode(report))
        case_id = case_id_of(command)
        assert case_id is not None
        return msgspec.json.encode(report), case_id, SimCase(case_id, vn, cn)

    def follow_up(self, case: SimCase) -> bytes:
        """Another call or letter between the case's two units."""
        sender, other = (case.vn, case.cn) if self.rng.random() < 0.5 else (case.cn, case.vn)
        if self.rng.random() < 0.6:
            report = self.traffic.call(sender, other, self.now, case.case_id)
        else:
            report = self.traffic.letter(sender, other, self.now, case.case_id)
        return msgspec.json.encode(report)

    def waves(self, cases: int, waves: int) -> list[tuple[bytes, str, int]]:
        """``cases`` openers, then ``waves - 1`` rounds of one follow-up per case: (bytes, case id, version)."""
        opened = [self.opener() for _ in range(cases)]
        out = [(raw, case_id, 1) for raw, case_id, _ in opened]
        for wave in range(2, waves + 1):
            order = list(opened)
            self.rng.shuffle(order)
            out += [(self.follow_up(sim), case_id, wave) for _, case_id, sim in order]
        return out

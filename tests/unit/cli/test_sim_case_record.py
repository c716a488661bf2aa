"""What the traffic generators learn of a hotline case (``SimCase.record``) is what the domain folded.

``liaison simulate`` and the bench's workload both keep their cases with ``SimCase.record``; a
follow-up chosen from that view (acknowledge by the recipient, confirm an urgent call by its
caller) is refused if the view is wrong, so every one must be accepted.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from liaison.simulate.hotline_traffic import SimCase, Traffic
from services.hotline.domain import case_id_of, decide, fold
from services.hotline.domain.commands import AnyCommand

_decoder = msgspec.json.Decoder(AnyCommand)


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_the_recorded_calls_and_letters_are_the_domains(seed: int) -> None:
    rng = random.Random(seed)
    traffic = Traffic(rng, f"record{seed}")
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    kinds: Counter[str] = Counter()
    for _ in range(40):
        report, vn, cn = traffic.open_case(now)
        command = _decoder.decode(msgspec.json.encode(report))
        case_id = case_id_of(command)
        assert case_id is not None
        state, sim = fold(case_id, []), SimCase(case_id, vn, cn)
        for _ in range(12):
            events = decide(_decoder.decode(msgspec.json.encode(report)), state, now)  # refused: raises
            state = fold(case_id, events, state)
            for event in events:
                kinds[type(event).__name__] += 1
                sim.record(type(event).__name__, report, event.event_id)
            now += timedelta(minutes=rng.randint(1, 90))
            report = traffic.follow_up(sim, now)
        learned = {m.event_id: (m.sender, m.recipient, m.acknowledged, m.urgent_unconfirmed) for m in sim.messages}
        assert learned == {
            event_id: (m.from_unit, m.to_unit, m.acknowledged, event_id in state.pending_confirmations)
            for event_id, m in state.messages.items()
        }
    assert set(kinds) == {
        "HotlineCallLogged",
        "LetterSent",
        "LetterReceived",
        "MessageAcknowledged",
        "UrgentCallConfirmedInWriting",
    }


def _matter(text: dict[str, str]) -> dict[str, str]:
    return {lang: value for lang, value in text.items() if lang != "original"}


@pytest.mark.parametrize("seed", [2, 11])
def test_a_simulated_case_tells_one_story(seed: int) -> None:
    """Every call and letter of a case speaks of the matter that opened it; a confirmation repeats its call's."""
    rng = random.Random(seed)
    traffic = Traffic(rng, f"story{seed}")
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    confirmations = 0
    for _ in range(30):
        report, vn, cn = traffic.open_case(now)
        opening = _matter(report.get("summary") or report["body"])
        command = _decoder.decode(msgspec.json.encode(report))
        case_id = case_id_of(command)
        assert case_id is not None
        state, sim = fold(case_id, []), SimCase(case_id, vn, cn)
        calls: dict[str, dict[str, str]] = {}
        for _ in range(12):
            events = decide(_decoder.decode(msgspec.json.encode(report)), state, now)
            state = fold(case_id, events, state)
            for event in events:
                sim.record(type(event).__name__, report, event.event_id)
                if type(event).__name__ == "HotlineCallLogged":
                    calls[event.event_id] = _matter(report["summary"])
            text = report.get("summary") or report.get("body")
            if text is not None:
                assert _matter(text) == opening, report["type"]
            if report["type"] == "ConfirmInWriting":
                confirmations += 1
                assert _matter(report["body"]) == calls[report["call_id"]]
            now += timedelta(minutes=rng.randint(1, 90))
            report = traffic.follow_up(sim, now)
    assert confirmations > 0

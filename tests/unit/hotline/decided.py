"""Hotline reports run through the pure domain at ``NOW``: the case after them and what they recorded, or their
refusal."""

from __future__ import annotations

from typing import Any

import pytest

from services.hotline.domain import CaseState, Rejected, decide, fold
from shared.events import AnyEvent
from tests.unit.hotline.reports import NOW, command


def record(case_id: str, report: dict[str, Any], state: CaseState | None = None) -> tuple[CaseState, list[AnyEvent]]:
    """The case after one report (from ``state``, default the empty case), and the events the report recorded."""
    before = CaseState(case_id=case_id) if state is None else state
    events = decide(command(report), before, NOW)
    return fold(case_id, events, before), events


def record_all(case_id: str, *reports: dict[str, Any]) -> tuple[CaseState, list[str]]:
    """The case after these reports, in order from the empty case, and the ids of the events they recorded."""
    state, ids = CaseState(case_id=case_id), []
    for report in reports:
        state, events = record(case_id, report, state)
        ids += [e.event_id for e in events]
    return state, ids


def refusal(report: dict[str, Any], state: CaseState) -> Rejected:
    """The refusal of one report by a case in ``state``; the test fails if the report is accepted."""
    with pytest.raises(Rejected) as refused:
        decide(command(report), state, NOW)
    return refused.value

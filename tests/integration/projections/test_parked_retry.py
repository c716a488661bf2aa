"""A `liaison parked --retry` repair survives a running worker that still holds the case's old view in memory."""

from __future__ import annotations

from typing import Any

import pytest

from liaison.operate.parked import list_parked, retry
from shared.events import LetterSent
from shared.readmodel import fold as views
from shared.readmodel.queries import get_view
from shared.store import EventStore
from tests.integration.projections.helpers import append_all, caught_up, eventually, expected, fast_worker, running
from tests.unit.projections.factory import CaseBuilder


def _break_the_fold_of(monkeypatch: pytest.MonkeyPatch, event_id: str) -> None:
    """The LetterSent rule fails on one event (a bug fixed by undoing the patch)."""
    kind, rule = views._RULES[LetterSent]

    def broken(draft: Any, event: Any) -> None:
        if event.event_id == event_id:
            raise RuntimeError("fold bug: this letter cannot be folded")
        rule(draft, event)

    monkeypatch.setitem(views._RULES, LetterSent, (kind, broken))


async def test_a_retried_repair_is_not_overwritten_by_a_worker_holding_the_old_view(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the retry repairs a case at the same version, the worker folds the next event onto the repaired view."""
    case = CaseBuilder("case-repair")
    call = case.call()
    poison = case.letter_sent()
    case.ack(call.event_id)
    _break_the_fold_of(monkeypatch, poison.event_id)
    await append_all(store, [case], per_append=1)
    worker = fast_worker(store, "w1", reclaim_idle_ms=50, max_deliveries=2, give_up_after=1000)
    async with running(worker):
        await caught_up(store, within=20)
        stale = await get_view(store.redis, store, case.case_id)
        assert stale is not None
        assert (stale.version, stale.stale) == (3, True)

        monkeypatch.undo()  # the fix is deployed; the worker keeps the stale view it wrote in memory
        [result] = await retry(store.redis, store, await list_parked(store.redis, store))
        assert (result.status, result.view.stale if result.view else None) == ("applied", False)

        tail = CaseBuilder("case-repair")
        tail.version = 3
        tail.letter_received()
        await store.append(case.case_id, tail.events, expected_version=3)

        async def at_four() -> bool:
            view = await get_view(store.redis, store, case.case_id)
            return view is not None and view.version == 4

        await eventually(at_four, 10, "the next event to be projected")
        await caught_up(store)
    whole = CaseBuilder("case-repair")
    whole.events = [*case.events, *tail.events]
    view = await get_view(store.redis, store, case.case_id)
    assert view is not None
    assert view.stale is False, "the repaired view was folded over by the worker's stale copy"
    assert views.encode_view(view) == expected([whole])[case.case_id]

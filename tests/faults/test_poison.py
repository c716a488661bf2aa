"""A poison event: parked after its retries, the case stale, others flowing, `liaison parked` shows and retries it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.projections.queries import backlog
from services.projections.rebuild import diff
from shared.access.signatures import REGISTRY_CASE
from shared.events import LetterSent
from shared.readmodel import fold as views
from shared.readmodel.queries import get_view
from shared.store import EventStore
from tests.faults.conftest import Stack, eventually
from tests.integration.projections.helpers import append_all, expected, fast_worker, running, views_are
from tests.unit.projections.factory import CaseBuilder, busy_case

MAX_DELIVERIES = 3


def _poison_case() -> CaseBuilder:
    case = CaseBuilder("case-poison")
    call = case.call()
    case.letter_sent()  # version 2: the poison
    case.ack(call.event_id)
    return case


def _break_the_fold_of(monkeypatch: pytest.MonkeyPatch, event_id: str) -> None:
    """A bug in the view code: the LetterSent rule fails on one event (fixed by undoing the patch, or in
    another process, which runs the real code)."""
    kind, rule = views._RULES[LetterSent]

    def broken(draft: Any, event: Any) -> None:
        if event.event_id == event_id:
            raise RuntimeError("fold bug: this letter cannot be folded")
        rule(draft, event)

    monkeypatch.setitem(views._RULES, LetterSent, (kind, broken))


async def test_a_poison_event_is_parked_shown_and_retried_once_fixed(
    stack: Stack, store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event the view code fails on is retried, parked with its reason after 3 deliveries; other cases keep
    flowing; its case goes on stale; `liaison parked` lists it, and `--retry` re-applies it once fixed."""
    poison = _poison_case()
    poison_id = poison.events[1].event_id
    _break_the_fold_of(monkeypatch, poison_id)
    before = [busy_case(f"before-{i}") for i in range(6)]
    await append_all(store, [*before, poison])
    p = store.partition_of(poison.case_id)
    junk = (await store.redis.xadd(store.keys(p).log, {"n": "x", "e": b"{not an event"})).decode()

    empty = stack.liaison("parked")
    assert (empty.returncode, empty.stdout.decode().split(":")[0]) == (0, "nothing is parked")

    worker = fast_worker(store, "w1", reclaim_idle_ms=50, max_deliveries=MAX_DELIVERIES, give_up_after=1000)
    async with running(worker):
        after = [busy_case(f"after-{i}") for i in range(6)]
        await append_all(store, after)  # later events of other cases, while the poison is being retried
        want = expected([*before, *after]) | {poison.case_id: _stale_view(poison)} | await _registry_view(store)
        await views_are(store, want, within=20)

        async def finished() -> bool:
            return await backlog(store.redis, store) == 0

        await eventually(finished, 20, "the backlog to reach 0 (poison and junk parked)")
    assert worker.projector.stats.parked == 2

    listed = stack.liaison("parked", "--json")
    assert listed.returncode == 0, listed.stderr.decode()
    parked = {e["id"]: e for e in json.loads(listed.stdout)}
    position = (await store.read_case(poison.case_id))[1].position
    poison_entry = parked[f"{p}:{position}"]
    assert (poison_entry["case_id"], poison_entry["version"]) == (poison.case_id, 2)
    assert "RuntimeError: fold bug" in poison_entry["reason"]
    assert poison_entry["deliveries"] >= MAX_DELIVERIES
    assert parked[f"{p}:{junk}"]["case_id"] is None
    people = stack.liaison("parked").stdout.decode()
    assert f"{p}:{position}" in people
    assert "fold bug" in people

    monkeypatch.undo()  # the fix is deployed
    stale = [d.case_id for d in await diff(store.redis, store)]
    assert stale == [poison.case_id], "the live view is stale until the retry"

    still = stack.liaison("parked", "--retry", f"{p}:{junk}")
    assert still.returncode == 1, still.stdout.decode() + still.stderr.decode()
    assert "still fails" in still.stdout.decode()
    retried = stack.liaison("parked", "--retry", position, "--json")
    assert retried.returncode == 0, retried.stdout.decode() + retried.stderr.decode()
    result = json.loads(retried.stdout)["retried"]
    assert [(r["id"], r["status"], r["view"]) for r in result] == [(f"{p}:{position}", "applied",
                                                                    {"version": 3, "stale": False})]

    view = await get_view(store.redis, store, poison.case_id)
    assert view is not None
    assert (view.version, view.stale, view.counts.letters_sent, view.counts.acknowledgements) == (3, False, 1, 1)
    assert await diff(store.redis, store) == []
    remaining = json.loads(stack.liaison("parked", "--json").stdout)
    assert [e["id"] for e in remaining] == [f"{p}:{junk}"]
    again = stack.liaison("parked", "--retry-all", "--json")
    assert again.returncode == 1
    assert [r["status"] for r in json.loads(again.stdout)["retried"]] == ["still_failing"]
    unknown = stack.liaison("parked", "--retry", "9:1-1")
    assert unknown.returncode == 2
    assert b"nothing parked as '9:1-1'" in unknown.stderr


async def _registry_view(store: EventStore) -> dict[str, bytes]:
    """The view of the key registry (case UNIT-KEYS, the keys the stack registered): the fold of its events."""
    view = views.fold(None, [recorded.event() for recorded in await store.read_case(REGISTRY_CASE)], REGISTRY_CASE)
    assert view is not None
    return {REGISTRY_CASE: views.encode_view(view)}


def _stale_view(case: CaseBuilder) -> bytes:
    """The view the worker must end with: every event but the poison, marked stale."""
    fold = views.Fold(None, case.case_id)
    fold.apply(case.events[0])
    fold.skip_to(2)
    fold.apply(case.events[2])
    view = fold.view()
    assert view is not None
    return views.encode_view(view)

"""Helpers of the projections integration tests: run a worker in-process, wait with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from services.projections.queries import backlog
from services.projections.worker import Worker
from shared.readmodel.fold import CaseView, encode_view, fold
from shared.readmodel.queries import list_views
from shared.store import EventStore
from tests.unit.projections.factory import CaseBuilder


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` every 20 ms until it is true; fail naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.02)


async def caught_up(store: EventStore, within: float = 10.0) -> None:
    """Wait until the projections group has finished every entry of every partition."""

    async def done() -> bool:
        return await backlog(store.redis, store) == 0

    await eventually(done, within, "the projections backlog to reach 0")


@asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[Worker]:
    """Run a worker in a task for the block; stop it cleanly after."""
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, timeout=10)


def fast_worker(store: EventStore, consumer: str, **kwargs: Any) -> Worker:
    """A worker with short blocking reads, so tests stop quickly."""
    kwargs.setdefault("block_ms", 50)
    return Worker(store.redis, store, consumer=consumer, **kwargs)


async def append_all(store: EventStore, builders: Iterable[CaseBuilder], per_append: int = 2) -> None:
    """Append each case's events through the store, a few events per append."""
    for b in builders:
        for start in range(0, len(b.events), per_append):
            await store.append(b.case_id, b.events[start : start + per_append], expected_version=start)


def expected(builders: Iterable[CaseBuilder]) -> dict[str, bytes]:
    """The view JSON each case must have: the pure fold of its events."""
    result: dict[str, bytes] = {}
    for b in builders:
        view = fold(None, b.events, b.case_id)
        assert view is not None
        result[b.case_id] = encode_view(view)
    return result


async def live(store: EventStore) -> dict[str, bytes]:
    """The live views' JSON by case id."""
    return {v.case_id: encode_view(v) for v in await list_views(store.redis, store)}


async def views_are(store: EventStore, want: dict[str, bytes], within: float = 10.0) -> None:
    """Wait until the live views are exactly ``want``."""

    async def check() -> bool:
        return await live(store) == want

    await eventually(check, within, f"{len(want)} views to match the fold of their events")


def one(views: list[CaseView], case_id: str) -> CaseView:
    """The view of one case from a list."""
    return next(v for v in views if v.case_id == case_id)

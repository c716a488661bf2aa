"""Fill the store fast: whole cases of realistic events, one append per report, pipelined in batches.

Each report's events are one append with its command id, exactly as the hotline records
them, so the command-id and event-id indexes grow as they do in service. Several batches
are in flight at once, so Python prepares the next while Redis runs the last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from itertools import groupby

from liaison.bench.workload import Clone
from shared.events import AnyEvent
from shared.store import AppendRequest, AppendResult, EventStore

BATCH_EVENTS = 1000
"""Events per append_many call."""

IN_FLIGHT = 3
"""append_many calls awaiting their replies at once."""


class FillError(RuntimeError):
    """An append of the fill was refused: the store was not empty where the fill expected it."""


def requests_of(clone: Clone) -> list[AppendRequest]:
    """One append per report (events sharing a causation id), chained within the case."""
    requests = []
    version = 0
    for command_id, group in groupby(clone.events, key=lambda e: e.causation_id):
        events: list[AnyEvent] = list(group)
        requests.append(AppendRequest(clone.case_id, events, version, command_id=command_id))
        version += len(events)
    return requests


def _batches(cases: Iterator[Clone], limit: int) -> Iterator[tuple[list[AppendRequest], int]]:
    """Batches of whole cases, about BATCH_EVENTS events each, until ``limit`` events."""
    batch: list[AppendRequest] = []
    events = total = 0
    for clone in cases:
        if total >= limit:
            break
        batch += requests_of(clone)
        events += len(clone.events)
        total += len(clone.events)
        if events >= BATCH_EVENTS:
            yield batch, events
            batch, events = [], 0
    if batch:
        yield batch, events


async def fill(store: EventStore, cases: Iterator[Clone], limit: int) -> int:
    """Append cases until at least ``limit`` events (whole cases); returns the events appended."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    appended = 0
    failures: list[str] = []

    async def one(batch: list[AppendRequest], events: int) -> None:
        nonlocal appended
        try:
            results = await store.append_many(batch)
        finally:
            gate.release()
        bad = [r for r in results if not isinstance(r, AppendResult) or r.duplicate]
        if bad:
            failures.append(str(bad[0]))
        appended += events

    tasks = []
    for batch, events in _batches(cases, limit):
        await gate.acquire()
        tasks.append(asyncio.create_task(one(batch, events)))
    await asyncio.gather(*tasks)
    if failures:
        raise FillError(f"{len(failures)} fill batch(es) had refused appends, e.g. {failures[0]}")
    return appended

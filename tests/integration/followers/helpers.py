"""Helpers of the follower tests: raw log entries, a recording handler, a follower run in a task."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from shared.follow import Delivery, Follower
from shared.store import EventStore

GROUP = "testers"


async def add(store: EventStore, partition: int, label: str, case: str | None = None) -> str:
    """Append one raw entry naming its label and case to a partition log; its position."""
    body = json.dumps({"label": label, "case_id": case or label})
    entry_id: bytes = await store.redis.xadd(store.keys(partition).log, {"e": body})
    return entry_id.decode()


def label_of(entry: Delivery) -> str:
    """The label an entry was added with."""
    return str(json.loads(entry.fields[b"e"])["label"])


def case_of(entry: Delivery) -> str | None:
    """The case an entry was added with."""
    return str(json.loads(entry.fields[b"e"])["case_id"])


@dataclass
class Recorder:
    """An entry handler that raises for the labels in ``fails`` (as many times as given) and records the rest."""

    follower: Follower | None = None
    fails: dict[str, float] = field(default_factory=dict)
    handled: list[tuple[str, int, int]] = field(default_factory=list)
    """(label, deliveries, entries parked so far) of each entry handled."""

    async def __call__(self, partition: int, entry: Delivery) -> None:
        label = label_of(entry)
        if self.fails.get(label, 0) > 0:
            self.fails[label] -= 1
            raise RuntimeError(f"cannot handle {label}")
        parked = self.follower.parking.parked if self.follower is not None else 0
        self.handled.append((label, entry.deliveries, parked))

    def labels(self) -> list[str]:
        """The labels handled, in order."""
        return [label for label, _, _ in self.handled]


@asynccontextmanager
async def following(follower: Follower) -> AsyncIterator[Follower]:
    """Run a follower in a task for the block; stop it cleanly after."""
    task = asyncio.create_task(follower.run())
    try:
        yield follower
    finally:
        follower.stop()
        await asyncio.wait_for(task, timeout=10)


async def pending(store: EventStore, partition: int, group: str = GROUP) -> int:
    """Entries of the partition log the group has not acked."""
    summary = await store.redis.xpending(store.keys(partition).log, group)
    return int(summary["pending"])

"""The event store in memory: the same port and the same rules as ``append.lua``, for fast tests of pure logic.

Never the evidence for Redis behaviour (atomicity across processes, crashes, a cluster): that is the
contract suite on real Redis. Each call first yields to the event loop, as a round trip would (so
racing writers really interleave), then runs without awaiting, which stands in for the script's
atomicity.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.events import AnyEvent, encode_event
from shared.store import keys
from shared.store.chain import GENESIS, link
from shared.store.errors import ConcurrencyConflict, InvalidAppend
from shared.store.event_store import (
    PARTIAL_DUPLICATE,
    AppendOutcome,
    AppendRequest,
    AppendResult,
    EventStore,
    RecordedEvent,
    check_events,
)
from shared.store.port import EventStorePort


@dataclass
class _Partition:
    log: list[RecordedEvent] = field(default_factory=list)
    at: dict[str, RecordedEvent] = field(default_factory=dict)
    """position -> entry"""
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    cases: dict[str, list[str]] = field(default_factory=dict)
    """case id -> positions of its events, in version order"""
    eids: dict[str, str] = field(default_factory=dict)
    cmds: dict[str, tuple[str, ...]] = field(default_factory=dict)


async def _round_trip() -> None:
    await asyncio.sleep(0)


def _key(position: str) -> tuple[int, int]:
    ms, _, seq = position.partition("-")
    return int(ms), int(seq or 0)


class MemoryEventStore:
    """An ``EventStorePort`` held in this process's memory."""

    def __init__(self, partitions: int = 4) -> None:
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        self._partitions = [_Partition() for _ in range(partitions)]
        self._clock = itertools.count(1)

    @property
    def partitions(self) -> int:
        """How many partitions the store has."""
        return len(self._partitions)

    def partition_of(self, case_id: str) -> int:
        """The partition a case lives in (the same function as on Redis)."""
        return keys.partition_of(case_id, self.partitions)

    async def append(
        self, case_id: str, events: Sequence[AnyEvent], expected_version: int, *,
        command_id: str | None = None, head_hash: str | None = None,
    ) -> AppendResult:
        """Append, or raise the refusal ``append_many`` would return."""
        [outcome] = await self.append_many([AppendRequest(case_id, events, expected_version, command_id, head_hash)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def append_many(self, requests: Sequence[AppendRequest]) -> list[AppendOutcome]:
        """Each request applied on its own, in order, whole or not at all."""
        await _round_trip()
        links: dict[str, str] = {}
        """case id -> hash the next append of this batch links to (as the Redis adapter chains them)."""
        results: list[AppendOutcome] = []
        for request in requests:
            try:
                check_events(request.case_id, request.events, request.expected_version)
            except InvalidAppend as refused:
                results.append(refused)
                continue
            prev = request.head_hash or links.get(request.case_id) or (await self.head(request.case_id))[1]
            outcome = self._apply(request, prev)
            if isinstance(outcome, AppendResult) and outcome.head_hash is not None:
                links[request.case_id] = outcome.head_hash
            results.append(outcome)
        return results

    def _apply(self, request: AppendRequest, prev: str) -> AppendOutcome:
        """``append.lua``, check for check, every check before the first write."""
        case_id, partition = request.case_id, self.partition_of(request.case_id)
        p = self._partitions[partition]
        if request.command_id and request.command_id in p.cmds:
            return self._duplicate(request, partition, p.cmds[request.command_id])
        found = [p.eids[e.event_id] for e in request.events if e.event_id in p.eids]
        if found and len(found) == len(request.events):
            return self._duplicate(request, partition, tuple(found))
        if found:
            return InvalidAppend(f"case {case_id}: {PARTIAL_DUPLICATE}")
        version, head = p.heads.get(case_id, (0, GENESIS))
        if version != request.expected_version:
            return ConcurrencyConflict(case_id, request.expected_version, version)
        if prev != head:  # the chain may not fork: the first event links to the case's head
            return ConcurrencyConflict(case_id, request.expected_version, version)
        chained = []
        for event in request.events:  # each next event links to the one before (the writer's own chain)
            data = encode_event(event)
            chained.append((event, prev, link(prev, data), data))
            prev = chained[-1][2]
        positions = []
        for event, before, digest, data in chained:
            position = f"{next(self._clock)}-0"
            entry = RecordedEvent(partition, position, len(p.log) + 1, before, digest, data)
            p.log.append(entry)
            p.at[position] = entry
            p.cases.setdefault(case_id, []).append(position)
            p.eids[event.event_id] = position
            positions.append(position)
        p.heads[case_id] = (version + len(chained), prev)
        if request.command_id:
            p.cmds[request.command_id] = tuple(positions)
        return AppendResult(case_id, partition, version + len(chained), tuple(positions), head_hash=prev)

    def _duplicate(self, request: AppendRequest, partition: int, positions: tuple[str, ...]) -> AppendResult:
        recorded = [self._partitions[partition].at[p] for p in positions]
        version = recorded[-1].head()[1] if recorded else request.expected_version
        return AppendResult(request.case_id, partition, version, positions, duplicate=True)

    def held(self, partition: int) -> _Partition:
        """A copy of everything one partition holds (for tests proving a refused append wrote nothing)."""
        p = self._partitions[partition]
        return _Partition(list(p.log), dict(p.at), dict(p.heads), {c: list(v) for c, v in p.cases.items()},
                          dict(p.eids), dict(p.cmds))

    async def head(self, case_id: str) -> tuple[int, str]:
        """The case's version and head hash."""
        await _round_trip()
        return self._partitions[self.partition_of(case_id)].heads.get(case_id, (0, GENESIS))

    async def heads(self, partition: int) -> dict[str, tuple[int, str]]:
        """Every case head of a partition."""
        await _round_trip()
        return dict(self._partitions[partition].heads)

    async def read_case(self, case_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """A case's events from ``from_version`` on."""
        await _round_trip()
        p = self._partitions[self.partition_of(case_id)]
        return [p.at[position] for position in p.cases.get(case_id, [])[max(from_version - 1, 0):]]

    async def read_cases(
        self, case_ids: Sequence[str], from_versions: Sequence[int] | None = None
    ) -> list[list[RecordedEvent]]:
        """Several cases' events."""
        await _round_trip()
        starts = from_versions or [1] * len(case_ids)
        return [await self.read_case(case_id, start) for case_id, start in zip(case_ids, starts, strict=True)]

    async def read_positions(self, partition: int, positions: Sequence[str]) -> list[RecordedEvent]:
        """The entries at these positions (missing ones left out)."""
        await _round_trip()
        at = self._partitions[partition].at
        return [at[position] for position in positions if position in at]

    async def read_partition(self, partition: int, after: str = "0", count: int = 1000) -> list[RecordedEvent]:
        """Up to ``count`` entries strictly after ``after``."""
        await _round_trip()
        start = (0, 0) if after in ("0", "0-0") else _key(after)
        return [e for e in self._partitions[partition].log if _key(e.position) > start][:count]

    async def command_positions(self, case_id: str, command_id: str) -> tuple[str, ...] | None:
        """Where a recorded command's events were written."""
        await _round_trip()
        return self._partitions[self.partition_of(case_id)].cmds.get(command_id)

    async def numbered(self, partition: int) -> int:
        """How many entries a partition has numbered."""
        await _round_trip()
        return len(self._partitions[partition].log)


def _both_adapters_fit_the_port(redis: EventStore, memory: MemoryEventStore) -> tuple[EventStorePort, EventStorePort]:
    """Never called: mypy --strict checks here that both adapters implement every method of the port."""
    return redis, memory

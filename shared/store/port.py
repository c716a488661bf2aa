"""The event store port: what every service needs of the log, whatever holds it.

Two adapters implement it: ``EventStore`` on Redis (the one Liaison runs on) and ``MemoryEventStore``
(``memory.py``, for fast unit tests of deciders and the intake pipeline). Both pass the same contract
suite (``tests/contract/``); Redis behaviour is still proven on real Redis only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.events import AnyEvent
from shared.store.event_store import AppendOutcome, AppendRequest, AppendResult, RecordedEvent


class EventStorePort(Protocol):
    """A partitioned, hash-chained log of case events (ADR 0001): append all-or-nothing, read back exactly."""

    @property
    def partitions(self) -> int:
        """How many partitions the store has (fixed when it was created)."""
        ...

    def partition_of(self, case_id: str) -> int:
        """The partition a case lives in."""
        ...

    async def append(
        self, case_id: str, events: Sequence[AnyEvent], expected_version: int, *,
        command_id: str | None = None, head_hash: str | None = None,
    ) -> AppendResult:
        """Append events to a case at ``expected_version``; raises ConcurrencyConflict or InvalidAppend."""
        ...

    async def append_many(self, requests: Sequence[AppendRequest]) -> list[AppendOutcome]:
        """Many appends at once, each whole or absent; a refusal is returned in place, never raised."""
        ...

    async def head(self, case_id: str) -> tuple[int, str]:
        """The case's version and head hash; (0, GENESIS) for a case with no events."""
        ...

    async def heads(self, partition: int) -> dict[str, tuple[int, str]]:
        """Every case head of a partition."""
        ...

    async def read_case(self, case_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """A case's events from ``from_version`` on, in version order."""
        ...

    async def read_cases(
        self, case_ids: Sequence[str], from_versions: Sequence[int] | None = None
    ) -> list[list[RecordedEvent]]:
        """Several cases' events at once."""
        ...

    async def read_positions(self, partition: int, positions: Sequence[str]) -> list[RecordedEvent]:
        """The entries at these positions of a partition (missing ones left out)."""
        ...

    async def read_partition(self, partition: int, after: str = "0", count: int = 1000) -> list[RecordedEvent]:
        """Up to ``count`` entries of a partition strictly after position ``after``."""
        ...

    async def command_positions(self, case_id: str, command_id: str) -> tuple[str, ...] | None:
        """Where a recorded command's events were written, if it was recorded."""
        ...

    async def numbered(self, partition: int) -> int:
        """How many entries a partition has numbered."""
        ...

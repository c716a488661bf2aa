"""The store contract on the in-memory twin: the same rules as on Redis, for fast unit tests of pure logic."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events import AnyEvent
from shared.store.audit import AuditReport, verify_through
from shared.store.memory import MemoryEventStore
from tests.contract.conftest import PARTITIONS
from tests.contract.store_contract import StoreContract


class TestMemoryStore(StoreContract):
    """Every contract test, on ``MemoryEventStore``."""

    @pytest.fixture
    def store(self) -> MemoryEventStore:
        """A fresh in-memory store."""
        return MemoryEventStore(PARTITIONS)

    async def partition_state(self, store: Any, case_id: str) -> Any:
        return store.held(store.partition_of(case_id))

    async def case_state(self, store: Any, case_id: str, events: list[AnyEvent], command_id: str = "") -> Any:
        held = store.held(store.partition_of(case_id))
        return (
            held.heads.get(case_id),
            held.cases.get(case_id, []),
            [held.eids.get(e.event_id) for e in events],
            held.cmds.get(command_id) if command_id else None,
        )

    async def log_length(self, store: Any, partition: int) -> int:
        return len(store.held(partition).log)

    async def audit(self, store: Any) -> AuditReport:
        return await verify_through(store)

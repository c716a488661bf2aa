"""The event store: one partitioned, hash-chained log on Redis Streams, used by every service."""

from shared.store.errors import ConcurrencyConflict, InvalidAppend, StoreError, StoreNotInitialised
from shared.store.event_store import AppendOutcome, AppendRequest, AppendResult, EventStore, RecordedEvent

__all__ = [
    "AppendOutcome",
    "AppendRequest",
    "AppendResult",
    "ConcurrencyConflict",
    "EventStore",
    "InvalidAppend",
    "RecordedEvent",
    "StoreError",
    "StoreNotInitialised",
]

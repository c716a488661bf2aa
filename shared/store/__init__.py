"""The event store: one partitioned, hash-chained log on Redis Streams, used by every service."""

from shared.store.errors import ConcurrencyConflict, StoreNotInitialised
from shared.store.event_store import AppendResult, EventStore, RecordedEvent

__all__ = [
    "AppendResult",
    "ConcurrencyConflict",
    "EventStore",
    "RecordedEvent",
    "StoreNotInitialised",
]

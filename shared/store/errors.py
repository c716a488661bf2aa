"""Every error the event store raises, one tree under ``StoreError`` (catch the base to catch them all).

    StoreError
    ├── ConcurrencyConflict  another writer moved the case first (append raises it; append_many returns it)
    ├── InvalidAppend        the events do not fit the case, or half of them are already recorded
    └── StoreNotInitialised  no store in this Redis yet
"""

from __future__ import annotations


class StoreError(Exception):
    """Something the event store refused or could not find (Redis's own failures are not wrapped)."""


class ConcurrencyConflict(StoreError):
    """Another writer moved the case first: the expected version is not the case's version."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        super().__init__(f"case {case_id}: expected version {expected}, but the case is at version {actual}")
        self.case_id = case_id
        self.expected = expected
        self.actual = actual


class StoreNotInitialised(StoreError):
    """The Redis holds no Liaison store yet (its partition count is not recorded)."""


class InvalidAppend(StoreError, ValueError):
    """The events handed to append do not fit the case (wrong case id or version numbers, a partial duplicate)."""

"""Typed errors of the event store."""

from __future__ import annotations


class ConcurrencyConflict(Exception):
    """Another writer moved the case first: the expected version is not the case's version."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        super().__init__(f"case {case_id}: expected version {expected}, but the case is at version {actual}")
        self.case_id = case_id
        self.expected = expected
        self.actual = actual


class StoreNotInitialised(Exception):
    """The Redis holds no Liaison store yet (its partition count is not recorded)."""


class InvalidAppend(ValueError):
    """The events handed to append do not fit the case (wrong case id or version numbers)."""

"""Filters of the case list (``GET /v1/cases``, ``liaison cases``), applied to the stored view JSON.

A view is decoded with the read model's own schema (unknown fields are ignored, so a view of a
newer shape still lists and filters); the filters read only the fields they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from shared.readmodel.schema import Obligation, decode_view

PARAMETERS = ("unit", "kind", "status", "overdue")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


class FilterError(ValueError):
    """A query parameter that is not a filter, or a filter value that cannot be used."""


def _overdue(owed: Obligation, now: datetime) -> bool:
    """Recorded overdue, or its deadline already passed (the incidents service records that within a second)."""
    if owed.overdue:
        return True
    if owed.due is None:
        return False
    try:
        due = datetime.fromisoformat(owed.due.utc)
    except ValueError:
        return False
    return due.tzinfo is not None and due < now




@dataclass(frozen=True)
class CaseFilter:
    """Every given filter must hold: unit among the parties, kind, status, an overdue obligation (overdue)."""

    unit: str | None = None
    kind: str | None = None
    status: str | None = None
    overdue: bool | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CaseFilter:
        """Parse the query string; raises FilterError naming the parameter and the problem."""
        unknown = sorted(set(query) - set(PARAMETERS))
        if unknown:
            raise FilterError(f"unknown filter {unknown[0]!r}; the filters are: {', '.join(PARAMETERS)}")
        overdue = query.get("overdue")
        if overdue is not None and overdue.lower() not in _BOOLEAN:
            raise FilterError(f"overdue: must be true or false, got {overdue[:40]!r}")
        for name in ("unit", "kind", "status"):
            if name in query and not query[name]:
                raise FilterError(f"{name}: must not be empty")
        return cls(
            unit=query.get("unit"),
            kind=query.get("kind"),
            status=query.get("status"),
            overdue=None if overdue is None else _BOOLEAN[overdue.lower()],
        )

    def matches(self, raw_view: bytes, now: datetime | None = None) -> bool:
        """True if the view passes every filter given (a view that cannot be read passes none).

        ``overdue`` holds for a case with at least one obligation recorded overdue or whose deadline is
        before ``now`` (default: the current time), the same rule the case board uses.
        """
        if self == NO_FILTER:
            return True
        try:
            view = decode_view(raw_view)
        except msgspec.DecodeError:
            return False
        if not (
            (self.unit is None or self.unit in view.parties)
            and (self.kind is None or self.kind == view.kind)
            and (self.status is None or self.status == view.status)
        ):
            return False
        if self.overdue is None:
            return True
        instant = now or datetime.now(UTC)
        return self.overdue == any(_overdue(owed, instant) for owed in view.obligations)


NO_FILTER = CaseFilter()

"""Filters of ``GET /v1/cases``, applied to the stored view JSON without re-encoding it.

Views are served as the projections stored them; only the few fields a filter looks at are
decoded (unknown fields ignored), so a view of a newer shape still lists and filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

PARAMETERS = ("unit", "kind", "status", "overdue")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


class FilterError(ValueError):
    """A query parameter that is not a filter, or a filter value that cannot be used."""


class _Instant(msgspec.Struct):
    """The UTC clock of a view's instant (``Clocks``)."""

    utc: str = ""


class _Obligation(msgspec.Struct):
    """What the overdue filter reads of an open obligation: its deadline, and whether one was recorded missed."""

    due: _Instant | None = None
    overdue: bool = False

    def is_overdue(self, now: datetime) -> bool:
        """Recorded overdue, or its deadline already passed (the incidents service records that within a second)."""
        if self.overdue:
            return True
        if self.due is None:
            return False
        try:
            due = datetime.fromisoformat(self.due.utc)
        except ValueError:
            return False
        return due.tzinfo is not None and due < now


class _Summary(msgspec.Struct):
    """What the filters read of a view."""

    kind: str = "unknown"
    status: str = ""
    parties: tuple[str, ...] = ()
    obligations: tuple[_Obligation, ...] = ()


_summary = msgspec.json.Decoder(_Summary)


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
            view = _summary.decode(raw_view)
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
        return self.overdue == any(owed.is_overdue(instant) for owed in view.obligations)


NO_FILTER = CaseFilter()

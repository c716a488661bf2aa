"""Value types of the border that incident, handover and patrol events share: markers, places, officers.

Constraints here are checked when an event or report is decoded (a marker must look like ``104``
or ``104(2)``); rules that need context (a marker inside a patrol section) belong to the domain.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from shared.events.envelope import Identifier, Text
from shared.units import Country

MARKER_PATTERN = r"^[1-9][0-9]{0,3}(\([1-9][0-9]{0,2}\))?$"
"""A border marker number, with an optional sub-marker in brackets: ``85``, ``104(2)``."""

Marker = Annotated[str, msgspec.Meta(pattern=MARKER_PATTERN, max_length=10)]

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]

Impact = Literal["low", "medium", "high", "very_high"]
"""How much an incident affects the border and people: low, medium, high, very high."""

Reliability = Literal["A", "B", "C", "X"]
"""Source reliability: A reliable, B usually reliable, C not usually reliable, X cannot be judged."""

Accuracy = Annotated[int, msgspec.Meta(ge=1, le=4)]
"""Information accuracy: 1 confirmed, 2 probably true, 3 possibly true, 4 cannot be judged."""

OfficerName = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
"""An officer (border-guard personnel are named; victims never are, see ADR 0016)."""


def marker_key(marker: str) -> tuple[int, int]:
    """``104(2)`` -> (104, 2), ``104`` -> (104, 0): markers sort by number, then sub-marker."""
    number, _, rest = marker.partition("(")
    return int(number), int(rest.rstrip(")")) if rest else 0


class Coordinates(msgspec.Struct, frozen=True, kw_only=True):
    """A point in WGS 84 degrees."""

    lat: Latitude
    lon: Longitude


class Location(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where something happened: any of marker, patrol section, border gate and coordinates, plus a description."""

    marker: Marker | None = None
    patrol_section: Identifier | None = None
    border_gate: Identifier | None = None
    coordinates: Coordinates | None = None
    description: Text | None = None

    @property
    def is_located(self) -> bool:
        """True when at least one of marker, patrol section, border gate or coordinates is given."""
        return any(v is not None for v in (self.marker, self.patrol_section, self.border_gate, self.coordinates))


class MarkerRange(msgspec.Struct, frozen=True, kw_only=True):
    """Markers ``first`` to ``last``, both included (``85`` to ``92``)."""

    first: Marker
    last: Marker


class OfficerRef(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An officer of a unit, as named in a receipt, a patrol report or minutes."""

    unit: Identifier
    officer: OfficerName
    title: str | None = None


__all__ = [
    "MARKER_PATTERN",
    "Accuracy",
    "Coordinates",
    "Country",
    "Impact",
    "Location",
    "Marker",
    "MarkerRange",
    "OfficerName",
    "OfficerRef",
    "Reliability",
    "marker_key",
]

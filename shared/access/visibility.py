"""What of a case a principal may see (pure), by party and handling code (docs/security.md).

A unit never sees a case it is not party to; auditors see every case whole. Within a case an
event's handling code decides: H0 and H1 go to every party; H2 only to units of the country of the
unit that recorded it; H3 only to that unit. Applied by the read model on every read path (the case
list, one case, its events, the case-updates stream), which folds the view on read from the events
a reader may see whenever the case holds an event it may not.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from shared import units
from shared.access.principals import Principal
from shared.events.envelope import Handling

HANDLING: dict[str, str] = {
    "H0": "anyone with access to the case",
    "H1": "the units party to the case, on both sides (the default)",
    "H2": "only units of the country of the unit that recorded it",
    "H3": "only the unit that recorded it",
}
"""Who may be shown an event of each handling code (docs/security.md; `liaison help handling` prints it)."""

OPEN_TO_PARTIES: frozenset[str] = frozenset({"H0", "H1"})
"""Handling codes every party of the case may see: a view holding only these is served as stored."""


AUDITORS_ONLY: frozenset[str] = frozenset({"registry"})
"""Kinds of case that are the system's records, not a liaison between parties: the signing-key registry
(``UNIT-KEYS``, ADR 0020) is read by auditors; units' tools and boards never list it."""


class _Summary(msgspec.Struct):
    kind: str = "unknown"
    parties: tuple[str, ...] = ()
    handling: Handling = "H0"
    """The strictest handling among the view's events (CaseView's own default)."""


class _Envelope(msgspec.Struct):
    unit: str = ""
    handling: Handling = "H1"
    """The envelope's own default (shared/events/envelope.py)."""


_summary = msgspec.json.Decoder(_Summary).decode
_envelope = msgspec.json.Decoder(_Envelope).decode


def _country(code: str) -> str | None:
    unit = units.get(code)
    return None if unit is None else unit.country


def may_see(viewer: Principal | None, raw_view: bytes) -> bool:
    """True if ``viewer`` may see the case whose stored view this is (None: a process on the box, sees all)."""
    if viewer is None or viewer.sees_every_case:
        return True
    try:
        summary = _summary(raw_view)
    except msgspec.DecodeError:
        return False
    return viewer.unit in summary.parties and summary.kind not in AUDITORS_ONLY


def sees_all_of(viewer: Principal | None, raw_view: bytes) -> bool:
    """True if ``viewer`` may see every event of the case (so its stored view is its view)."""
    if viewer is None or viewer.sees_every_case:
        return True
    try:
        return _summary(raw_view).handling in OPEN_TO_PARTIES
    except msgspec.DecodeError:
        return False


def may_see_event(viewer: Principal | None, unit: str, handling: str) -> bool:
    """True if ``viewer`` (a party of the case) may see an event recorded by ``unit`` with ``handling``."""
    if viewer is None or viewer.sees_every_case or handling in OPEN_TO_PARTIES:
        return True
    if handling == "H2":
        country = _country(unit)
        return country is not None and country == _country(viewer.unit)
    return unit == viewer.unit  # H3, or a code this build does not know: the strictest reading


def may_see_entry(viewer: Principal | None, data: bytes) -> bool:
    """``may_see_event`` for a log entry's canonical JSON (an unreadable envelope is not shown)."""
    if viewer is None or viewer.sees_every_case:
        return True
    try:
        envelope = _envelope(data)
    except msgspec.DecodeError:
        return False
    return may_see_event(viewer, envelope.unit, envelope.handling)


def parties_of(raw_view: bytes) -> tuple[str, ...]:
    """The parties a stored view names (none if it cannot be read)."""
    try:
        return _summary(raw_view).parties
    except msgspec.DecodeError:
        return ()


def author_of(data: bytes) -> str:
    """The unit that recorded a log entry's event ("" if it cannot be read)."""
    try:
        return _envelope(data).unit
    except msgspec.DecodeError:
        return ""


def foreign_to(viewer: Principal, units_named: Iterable[str]) -> list[str]:
    """Of these units, those of another country than the viewer's: what makes a read a cross-border disclosure."""
    own = _country(viewer.unit)
    return sorted({unit for unit in units_named if unit and _country(unit) != own})

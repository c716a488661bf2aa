"""Checks of the incidents deciders; each raises Rejected naming the field and the problem.

The checks every service makes (units, local times, free text) are in shared/domain/rules.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.incidents.domain import reasons
from services.incidents.domain.reasons import Rejected
from shared.domain.rules import local_time as local_time
from shared.domain.rules import offset_of as offset_of
from shared.domain.rules import text as text
from shared.domain.rules import unit as unit
from shared.events import Instant, Text
from shared.events.border import OfficerRef
from shared.units import Country, Unit


def maybe_text(field: str, value: Text | None) -> Text | None:
    """``text`` for optional free text."""
    return None if value is None else text(field, value)


def not_before(field: str, later: Instant, other: str, earlier: Instant) -> None:
    """``later`` is at or after ``earlier``."""
    if later.utc < earlier.utc:
        raise Rejected(reasons.INVALID_TIME, f"{field}: {later.text} is before {other} {earlier.text}")


def other_country(country: Country) -> Country:
    """The country across the border."""
    return "CN" if country == "VN" else "VN"


def parties_across(field: str, author: Unit, codes: Iterable[str]) -> tuple[str, ...]:
    """The author plus the units named, sorted; at least one of them across the border."""
    named = [unit(f"{field}[{i}]", code) for i, code in enumerate(codes)]
    if not any(u.country != author.country for u in named):
        raise Rejected(
            reasons.INVALID_PARTY,
            f"{field}: names no unit across the border from {author.code} ({author.country}); "
            "a cross-border case needs one",
        )
    return tuple(sorted({author.code, *(u.code for u in named)}))


def party(field: str, code: str, parties: Iterable[str]) -> Unit:
    """A registered unit that is a party to the case."""
    found = unit(field, code)
    members = sorted(parties)
    if code not in members:
        raise Rejected(reasons.NOT_PARTY, f"{field}: {code} is not a party to this case ({', '.join(members)})")
    return found


def officers_of_both_sides(field: str, officers: Iterable[OfficerRef], parties: Iterable[str], code: str) -> None:
    """Officers of registered party units, of both Vietnam and China (``code`` is the reason to give)."""
    members = tuple(parties)
    countries = {party(f"{field}[{i}].unit", o.unit, members).country for i, o in enumerate(officers)}
    missing = {"VN", "CN"} - countries
    if missing:
        raise Rejected(code, f"{field}: names no officer of {' or '.join(sorted(missing))}; both sides are needed")

"""Checks shared by the deciders; each raises Rejected naming the field and the problem."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.incidents.domain import rejected as r
from services.incidents.domain.command_base import MAX_TEXT
from services.incidents.domain.rejected import Rejected
from shared.events import Instant, Text
from shared.events.border import OfficerRef
from shared.units import Country, Unit, get


def unit(field: str, code: str) -> Unit:
    """The registered unit a field names."""
    found = get(code)
    if found is None:
        raise Rejected(r.UNKNOWN_UNIT, f"{field}: unknown unit {code!r} (not in the unit registry)")
    return found


def offset_of(moment: datetime) -> str:
    """``+07:00``-style offset of an aware datetime."""
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_time(field: str, moment: datetime, author: Unit) -> Instant:
    """An Instant from a time the author gave, which must carry the author's own UTC offset."""
    offset = offset_of(moment)
    if offset != author.utc_offset:
        raise Rejected(
            r.WRONG_OFFSET,
            f"{field}: {moment.isoformat()} carries offset {offset}, but {author.code} keeps "
            f"{author.timezone} time ({author.utc_offset}); give the time as the officer's clock shows it",
        )
    text = moment.isoformat(timespec="seconds" if moment.microsecond == 0 else "auto")
    return Instant.at(moment, offset, text)


def text(field: str, value: Text) -> Text:
    """Free text present in its original language, and no language over MAX_TEXT characters."""
    original = value.get(value.original)
    if original is None or not original.strip():
        raise Rejected(
            r.INVALID_TEXT,
            f"{field}: the original language is {value.original!r}, but {field}.{value.original} is empty",
        )
    for language in ("vi", "zh", "en"):
        content = value.get(language)
        if content is not None and len(content) > MAX_TEXT:
            raise Rejected(r.INVALID_TEXT, f"{field}.{language}: {len(content)} characters; the limit is {MAX_TEXT}")
    return value


def maybe_text(field: str, value: Text | None) -> Text | None:
    """``text`` for optional free text."""
    return None if value is None else text(field, value)


def not_before(field: str, later: Instant, other: str, earlier: Instant) -> None:
    """``later`` is at or after ``earlier``."""
    if later.utc < earlier.utc:
        raise Rejected(r.INVALID_TIME, f"{field}: {later.text} is before {other} {earlier.text}")


def other_country(country: Country) -> Country:
    """The country across the border."""
    return "CN" if country == "VN" else "VN"


def parties_across(field: str, author: Unit, codes: Iterable[str]) -> tuple[str, ...]:
    """The author plus the units named, sorted; at least one of them across the border."""
    named = [unit(f"{field}[{i}]", code) for i, code in enumerate(codes)]
    if not any(u.country != author.country for u in named):
        raise Rejected(
            r.INVALID_PARTY,
            f"{field}: names no unit across the border from {author.code} ({author.country}); "
            "a cross-border case needs one",
        )
    return tuple(sorted({author.code, *(u.code for u in named)}))


def party(field: str, code: str, parties: Iterable[str]) -> Unit:
    """A registered unit that is a party to the case."""
    found = unit(field, code)
    members = sorted(parties)
    if code not in members:
        raise Rejected(r.NOT_PARTY, f"{field}: {code} is not a party to this case ({', '.join(members)})")
    return found


def officers_of_both_sides(field: str, officers: Iterable[OfficerRef], parties: Iterable[str], code: str) -> None:
    """Officers of registered party units, of both Vietnam and China (``code`` is the reason to give)."""
    members = tuple(parties)
    countries = {party(f"{field}[{i}].unit", o.unit, members).country for i, o in enumerate(officers)}
    missing = {"VN", "CN"} - countries
    if missing:
        raise Rejected(code, f"{field}: names no officer of {' or '.join(sorted(missing))}; both sides are needed")

"""Checks every service's deciders make; each raises Rejected naming the field and the problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain import reasons
from shared.domain.reasons import Rejected
from shared.events import Instant, Text
from shared.units import Unit, get

MAX_TEXT = 4000
"""Longest free text accepted in one language (characters)."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Times a report may give: a year typed wrong (0001, 1900, 20260) is refused, not recorded (or overflowed)."""


def unit(field: str, code: str) -> Unit:
    """The registered unit a field names."""
    found = get(code)
    if found is None:
        raise Rejected(reasons.UNKNOWN_UNIT, f"{field}: unknown unit {code!r} (not in the unit registry)")
    return found


def offset_of(moment: datetime) -> str:
    """``+07:00``-style offset of an aware datetime."""
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_time(field: str, moment: datetime, author: Unit) -> Instant:
    """An Instant from a time the author gave, which must carry the author's own UTC offset.

    The text kept is the local time as received: msgspec accepts only full RFC 3339 times,
    so isoformat reproduces what was sent (a fraction of a second may gain trailing zeros).
    """
    if not EARLIEST <= moment < LATEST:
        raise Rejected(
            reasons.INVALID_TIME,
            f"{field}: {moment.isoformat()} is outside the years this log holds ({EARLIEST.year} to {LATEST.year - 1})",
        )
    offset = offset_of(moment)
    if offset != author.utc_offset:
        raise Rejected(
            reasons.WRONG_OFFSET,
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
            reasons.INVALID_TEXT,
            f"{field}: the original language is {value.original!r}, but {field}.{value.original} is empty",
        )
    for language in ("vi", "zh", "en"):
        content = value.get(language)
        if content is not None and len(content) > MAX_TEXT:
            raise Rejected(
                reasons.INVALID_TEXT, f"{field}.{language}: {len(content)} characters; the limit is {MAX_TEXT}"
            )
    return value

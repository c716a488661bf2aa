"""Calendar rules of patrol agreements, in the agreement's named timezone: windows, periods, host rotation.

Vietnam and China keep no daylight saving, so a named timezone is one fixed offset
(``shared.units.UTC_OFFSETS``); no tz database is needed, and none can disagree between hosts.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.events import Instant
from shared.units import UTC_OFFSETS, Country


def wall_clock(timezone_name: str, instant: Instant) -> datetime:
    """The instant on the named timezone's wall clock."""
    offset = UTC_OFFSETS[timezone_name]
    sign = 1 if offset[0] == "+" else -1
    return instant.utc.astimezone(timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))))


def month_of(moment: datetime) -> str:
    """``2026-11``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_of(moment: datetime) -> str:
    """``2026-Q4``."""
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


def months_since(start: str, month: str) -> int:
    """Whole months from ``start`` to ``month`` (both ``YYYY-MM``); negative before ``start``."""
    return (int(month[:4]) - int(start[:4])) * 12 + int(month[5:7]) - int(start[5:7])


def quarters_since(start: str, quarter: str) -> int:
    """Whole quarters from ``start`` to ``quarter`` (both ``YYYY-Qn``); negative before ``start``."""
    return (int(quarter[:4]) - int(start[:4])) * 4 + int(quarter[6]) - int(start[6])


def host_by_rotation(first_host: Country, periods_since: int) -> Country:
    """The sides alternate: ``first_host`` in even periods from the rotation's start, the other in odd ones."""
    if periods_since % 2 == 0:
        return first_host
    return "CN" if first_host == "VN" else "VN"

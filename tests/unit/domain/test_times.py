"""Times a report gives are checked against the years the log can hold, before anything converts them."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.domain.reasons import INVALID_TIME, Rejected
from shared.domain.rules import local_time
from shared.units import get

STATION = get("VN-LC-BGC")


MISTYPED = ["0001-01-01T03:00:00+07:00", "1900-05-01T08:00:00+07:00", "9999-12-31T23:00:00+07:00"]


@pytest.mark.parametrize("typed", MISTYPED)
def test_a_mistyped_year_is_refused_as_invalid_time_naming_the_field(typed: str) -> None:
    """Year 0001 would overflow converting to UTC, 1900 would be overdue at once: both are refused, not recorded."""
    assert STATION is not None
    with pytest.raises(Rejected) as refused:
        local_time("happened_at", datetime.fromisoformat(typed), STATION)
    assert refused.value.code == INVALID_TIME
    assert refused.value.message.startswith(f"happened_at: {typed}")


def test_a_time_of_this_century_is_kept_with_its_offset_and_text() -> None:
    """The ordinary case still gives the instant in UTC, the author's offset and the text as typed."""
    assert STATION is not None
    instant = local_time("at", datetime.fromisoformat("2026-11-23T09:15:00+07:00"), STATION)
    assert (instant.utc.hour, instant.offset, instant.text) == (2, "+07:00", "2026-11-23T09:15:00+07:00")

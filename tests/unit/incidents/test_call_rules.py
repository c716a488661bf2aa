"""Urgent hotline calls as incident reports: the category rule and the reports a call gives (pure)."""

from __future__ import annotations

import pytest

from services.incidents.calls import DEFAULT_CATEGORY, category_of
from shared.events import Text


@pytest.mark.parametrize(
    ("summary", "category"),
    [
        (Text(original="vi", vi="Hai người vượt biên gần mốc 104"), "person_crossing"),
        (Text(original="vi", vi="Cháy rừng lan qua biên giới"), "disaster_spread"),
        (Text(original="zh", zh="发现拐卖妇女线索"), "human_trafficking"),
        (Text(original="en", en="Drone seen over marker 104(2)"), "drone_crossing"),
        (Text(original="vi", vi="Mốc bị xê dịch sau lũ"), "border_marker_damage"),
        (Text(original="vi", vi="Đề nghị hội đàm khẩn"), DEFAULT_CATEGORY),
    ],
)
def test_the_category_comes_from_the_summary_keywords(summary: Text, category: str) -> None:
    """The first matching category's keyword decides (a marker named as a place is not marker damage)."""
    assert category_of(summary) == category

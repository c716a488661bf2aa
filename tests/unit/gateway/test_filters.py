"""The filters of the case list (shared/readmodel/filters.py): parsing the query, and matching a stored view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from shared.readmodel.filters import NO_FILTER, CaseFilter, FilterError

SINCE = {"utc": "2026-03-01T01:00:00Z", "vietnam": "2026-03-01T08:00:00+07:00", "china": "2026-03-01T09:00:00+08:00"}


def _view(**fields: Any) -> bytes:
    """A stored view of the read model's schema, with a field a newer projection might add."""
    base: dict[str, Any] = {
        "case_id": "HL-1",
        "kind": "hotline",
        "status": "awaiting_acknowledgement",
        "parties": ["CN-HK-IBCS", "VN-LC-IBGS"],
        "counts": {"calls": 1},
        "obligations": [
            {"kind": "acknowledgement", "message_id": "ev-1", "owed_by": "CN-HK-IBCS", "since": SINCE, "overdue": True}
        ],
        "first_update": SINCE,
        "last_update": SINCE,
        "version": 1,
        "last_event_id": "ev-1",
        "a_field_from_a_newer_view": True,
    }
    return msgspec.json.encode(base | fields)


def test_no_filter_matches_everything_even_unreadable_views() -> None:
    """Without filters nothing is decoded, so every view is listed."""
    assert CaseFilter.from_query({}) == NO_FILTER
    assert NO_FILTER.matches(b"not json")


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ({"unit": "VN-LC-IBGS"}, True),
        ({"unit": "VN-LC-BGC"}, False),
        ({"kind": "hotline"}, True),
        ({"kind": "incident"}, False),
        ({"status": "awaiting_acknowledgement"}, True),
        ({"status": "open"}, False),
        ({"overdue": "true"}, True),
        ({"overdue": "false"}, False),
        ({"overdue": "TRUE", "unit": "CN-HK-IBCS"}, True),
        ({"overdue": "true", "unit": "CN-HH-BMT"}, False),
    ],
)
def test_each_filter_must_hold(query: dict[str, str], matches: bool) -> None:
    """A view matches when every given filter holds."""
    assert CaseFilter.from_query(query).matches(_view()) is matches


NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _owed(due_utc: str | None = None, overdue: bool = False) -> dict[str, Any]:
    clocks = None if due_utc is None else {"utc": due_utc, "vietnam": "", "china": ""}
    return {"kind": "incident_acknowledgement", "message_id": "ev-1", "owed_by": "CN-HK-IBCS", "since": SINCE,
            "due": clocks, "overdue": overdue}


@pytest.mark.parametrize(
    ("obligations", "overdue"),
    [
        ([], False),
        ([{"kind": "acknowledgement", "message_id": "ev-2", "owed_by": "VN-LC-IBGS", "since": SINCE}], False),
        ([_owed("2026-03-01T13:00:00Z")], False),
        ([_owed("2026-03-01T11:59:59Z")], True),
        ([_owed("2026-03-01T11:59:59+00:00")], True),
        ([_owed("2026-03-01T13:00:00Z", overdue=True)], True),
        ([_owed(None, overdue=True)], True),
        ([_owed("2026-03-01T13:00:00Z"), _owed("2026-02-28T00:00:00Z")], True),
        ([_owed("not a time")], False),
        ([_owed("2026-03-01T11:00:00")], False),
    ],
)
def test_overdue_means_an_obligation_recorded_overdue_or_past_its_deadline(
    obligations: list[dict[str, Any]], overdue: bool
) -> None:
    """overdue=true keeps exactly the cases with a missed deadline; overdue=false exactly the others.

    Open obligations not yet due (or with no deadline) do not make a case overdue; an unreadable or
    zone-less deadline counts as not passed rather than failing the list.
    """
    view = _view(obligations=obligations)
    assert CaseFilter.from_query({"overdue": "true"}).matches(view, NOW) is overdue
    assert CaseFilter.from_query({"overdue": "false"}).matches(view, NOW) is not overdue


def test_overdue_compares_with_the_current_time_by_default() -> None:
    """Without an explicit instant, a deadline in the past is overdue and one far ahead is not."""
    assert CaseFilter.from_query({"overdue": "true"}).matches(_view(obligations=[_owed("2000-01-01T00:00:00Z")]))
    assert not CaseFilter.from_query({"overdue": "true"}).matches(_view(obligations=[_owed("2999-01-01T00:00:00Z")]))


@pytest.mark.parametrize(
    ("query", "named"),
    [({"stauts": "open"}, "stauts"), ({"overdue": "soon"}, "overdue"), ({"kind": ""}, "kind")],
)
def test_a_bad_query_is_refused_naming_the_parameter(query: dict[str, str], named: str) -> None:
    """Unknown parameters, a non-boolean overdue and empty values raise FilterError naming them."""
    with pytest.raises(FilterError, match=named):
        CaseFilter.from_query(query)


def test_a_filtered_list_skips_a_view_it_cannot_read() -> None:
    """With a filter given, a view that is not JSON matches nothing (instead of failing the request)."""
    assert not CaseFilter.from_query({"kind": "hotline"}).matches(b"{broken")

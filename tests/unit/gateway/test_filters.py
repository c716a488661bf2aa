"""The filters of ``GET /v1/cases``: parsing the query, and matching a stored view."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from services.gateway.filters import NO_FILTER, CaseFilter, FilterError


def _view(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "case_id": "HL-1",
        "kind": "hotline",
        "status": "awaiting_acknowledgement",
        "parties": ["CN-HK-IBCS", "VN-LC-IBGS"],
        "obligations": [{"kind": "acknowledgement"}],
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


def test_overdue_means_open_obligations() -> None:
    """A case with no open obligation is not overdue."""
    settled = _view(obligations=[], status="open")
    assert CaseFilter.from_query({"overdue": "false"}).matches(settled)
    assert not CaseFilter.from_query({"overdue": "true"}).matches(settled)


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

"""The handling-code table of docs/security.md, event by event, for a party of each side and an auditor."""

from __future__ import annotations

import pytest

from shared.access.principals import Principal
from shared.access.visibility import may_see, may_see_event, sees_all_of

LAO_CAI = Principal("t1", "VN-LC-IBGS", "viewer")
PROVINCE = Principal("t2", "VN-LC-BGC", "officer")
HEKOU = Principal("t3", "CN-HK-IBCS", "viewer")
AUDITOR = Principal("t4", "CN-HH-BMT", "auditor")


@pytest.mark.parametrize(
    ("handling", "author", "seen_by"),
    [
        ("H0", "VN-LC-IBGS", {LAO_CAI, PROVINCE, HEKOU, AUDITOR}),
        ("H1", "VN-LC-IBGS", {LAO_CAI, PROVINCE, HEKOU, AUDITOR}),
        ("H2", "VN-LC-IBGS", {LAO_CAI, PROVINCE, AUDITOR}),
        ("H2", "CN-HK-IBCS", {HEKOU, AUDITOR}),
        ("H3", "VN-LC-IBGS", {LAO_CAI, AUDITOR}),
        ("H3", "CN-HK-IBCS", {HEKOU, AUDITOR}),
        ("H2", "XX-UNKNOWN", {AUDITOR}),
        ("H9", "VN-LC-IBGS", {LAO_CAI, AUDITOR}),
    ],
)
def test_who_may_see_an_event_of_a_case_they_are_party_to(handling: str, author: str, seen_by: set[Principal]) -> None:
    """H0/H1 go to every party, H2 to the author's country, H3 (or an unknown code) to the author alone."""
    for viewer in (LAO_CAI, PROVINCE, HEKOU, AUDITOR):
        assert may_see_event(viewer, author, handling) is (viewer in seen_by), viewer


def test_a_case_is_seen_by_its_parties_and_served_as_stored_only_when_all_its_events_are_open() -> None:
    """Parties (and auditors) see a case; a view whose strictest code is H2 or H3 is not served as stored."""
    open_view = b'{"parties": ["CN-HK-IBCS", "VN-LC-IBGS"], "handling": "H1"}'
    strict_view = b'{"parties": ["CN-HK-IBCS", "VN-LC-IBGS"], "handling": "H2"}'
    assert may_see(LAO_CAI, open_view)
    assert may_see(HEKOU, open_view)
    assert may_see(AUDITOR, open_view)
    assert not may_see(PROVINCE, open_view)
    assert not may_see(LAO_CAI, b"not json")
    assert sees_all_of(LAO_CAI, open_view)
    assert not sees_all_of(LAO_CAI, strict_view)
    assert sees_all_of(AUDITOR, strict_view)
    assert sees_all_of(None, strict_view)

"""`liaison case` and `liaison cases` show the counters of a case's own kind, never another kind's zeros."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liaison.read.views import print_case, print_cases
from shared.readmodel.schema import COUNTERS_OF, CaseView, Counts, clocks, shown_counts

AT = clocks(datetime(2026, 11, 23, 2, 30, tzinfo=UTC))


def _view(kind: str, case_id: str, **counts: int) -> CaseView:
    return CaseView(case_id=case_id, kind=kind, status="open", parties=("CN-HK-IBCS", "VN-LC-BGC"),
                    counts=Counts(**counts), obligations=(), first_update=AT, last_update=AT, version=3,
                    last_event_id="e-1")


def test_every_counter_belongs_to_some_kind() -> None:
    """Each counter but ``other`` is listed for a kind, so none is shown only by accident of being non-zero."""
    listed = {name for names in COUNTERS_OF.values() for name in names}
    assert set(Counts.__struct_fields__) - listed == {"other"}


def test_an_incident_shows_its_own_counters_and_no_hotline_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """An incident case names updates and responses (zero or not) and says nothing of calls or letters."""
    print_case(_view("incident", "IN-7K2Q", updates=2, acknowledgements=1))
    out = capsys.readouterr().out
    assert "acknowledgements 1, updates 2, responses 0, links 0, overdue 0" in out
    assert "calls" not in out
    assert "letters" not in out


def test_a_counter_of_another_kind_is_shown_when_it_is_not_zero() -> None:
    """A hotline case that was linked keeps its link count in view: nothing recorded is hidden."""
    shown = shown_counts(_view("hotline", "HL-1", calls=1, links=1, other=2))
    assert shown == {"calls": 1, "letters_sent": 0, "letters_received": 0, "acknowledgements": 0,
                     "confirmations": 0, "overdue": 0, "links": 1, "other": 2}


def test_the_table_marks_counters_a_kind_has_not_with_a_dash(capsys: pytest.CaptureFixture[str]) -> None:
    """In `liaison cases` a hotline row has numbers under CALLS, an incident row a dash, not a zero."""
    print_cases([_view("hotline", "HL-1", calls=2), _view("incident", "IN-7K2Q", acknowledgements=1)])
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert rows["HL-1"][3:8] == ["2", "0", "0", "0", "0"]
    assert rows["IN-7K2Q"][3:8] == ["-", "-", "-", "1", "-"]

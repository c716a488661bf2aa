"""The resumable SSE position: its text form, and what makes a resumed position unfollowable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway import positions
from services.gateway.updates import position_problem

entry_ids = st.builds(lambda ms, seq: f"{ms}-{seq}", st.integers(0, 2**48), st.integers(0, 2**20))


@given(st.lists(entry_ids, min_size=1, max_size=32))
def test_encode_then_decode_gives_back_every_partitions_position(ids: list[str]) -> None:
    """Any list of entry ids survives the text form unchanged."""
    assert positions.decode(positions.encode(ids), len(ids)) == ids


def test_the_text_form_is_compact() -> None:
    """``0-0`` is written ``0`` and a zero sequence is left out."""
    assert positions.encode(["0-0", "1763865000123-0", "1763865000456-2"]) == "0,1763865000123,1763865000456-2"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("0,0,0", "3 partition positions; this store has 4"),
        ("0,0,abc,0", "position 2 is 'abc'"),
        ("0,0,1-2-3,0", "not a stream entry id"),
        ("0,,0,0", "position 1"),
    ],
)
def test_a_position_it_did_not_write_is_refused_saying_why(text: str, said: str) -> None:
    """Wrong partition count or a piece that is not an entry id raises BadPosition with the reason."""
    with pytest.raises(positions.BadPosition, match=said):
        positions.decode(text, 4)


def test_entry_ids_compare_numerically_not_as_text() -> None:
    """``9-0`` comes before ``10-0`` (text order would say otherwise)."""
    assert positions.entry_key("9-0") < positions.entry_key("10-0")
    assert positions.entry_key("10-1") > positions.entry_key("10-0")


def _info(last: str, length: int, added: int, first: str = "0-0", deleted: str = "0-0") -> dict[str, Any]:
    return {
        "last-generated-id": last,
        "length": length,
        "entries-added": added,
        "recorded-first-entry-id": first,
        "max-deleted-entry-id": deleted,
    }


def test_a_position_within_an_untrimmed_stream_can_be_followed() -> None:
    """Nothing removed: any position up to the newest entry is fine, including 0-0."""
    assert position_problem("0-0", _info("30-0", 3, 3, first="10-0")) is None
    assert position_problem("20-0", _info("30-0", 3, 3, first="10-0")) is None
    assert position_problem("30-0", _info("30-0", 3, 3, first="10-0")) is None


def test_a_position_older_than_the_oldest_kept_entry_after_a_trim_is_a_loss() -> None:
    """Entries were trimmed and the client's position is before the oldest kept one: resync."""
    problem = position_problem("10-0", _info("30-0", 1, 3, first="30-0"))
    assert problem is not None
    assert (problem["problem"], problem["oldest_kept"]) == ("trimmed", "30-0")


def test_a_position_at_or_after_the_oldest_kept_entry_loses_nothing() -> None:
    """Entries older than the client's position were trimmed: nothing it has not seen is gone."""
    assert position_problem("30-0", _info("40-0", 2, 4, first="30-0")) is None


def test_a_deleted_entry_after_the_position_is_a_loss() -> None:
    """XDEL of an entry after the position (max-deleted-entry-id past it): resync."""
    problem = position_problem("10-0", _info("30-0", 2, 3, first="10-0", deleted="20-0"))
    assert problem is not None
    assert problem["problem"] == "trimmed"


def test_a_stream_emptied_by_trimming_loses_what_came_after_the_position() -> None:
    """Every entry removed: a loss unless the position was the newest entry."""
    assert position_problem("10-0", _info("30-0", 0, 3)) is not None
    assert position_problem("30-0", _info("30-0", 0, 3)) is None


def test_a_position_past_the_newest_entry_is_ahead() -> None:
    """A position the stream never reached (store emptied or restored) is reported with the newest id."""
    problem = position_problem("99-0", _info("30-0", 3, 3, first="10-0"))
    assert problem == {"problem": "ahead", "position": "99-0", "newest": "30-0"}


@pytest.mark.parametrize("text", ["\u0661-0,0,0,0", "1,2,3,\uff14", "\n1,2,3,4", "1,2,3,4\u00a0"])
def test_only_ascii_digits_and_spaces_or_tabs_around_make_a_position(text: str) -> None:
    """Other scripts' digits (which int() would read but Redis refuses) and other white space are refused, as the
    OpenAPI document's pattern for Last-Event-ID says."""
    with pytest.raises(positions.BadPosition):
        positions.decode(text, 4)


def test_spaces_and_tabs_around_a_position_are_ignored() -> None:
    """HTTP's optional white space around the header value does not matter."""
    assert positions.decode(" \t1-2,0,3,4\t ", 4) == ["1-2", "0-0", "3-0", "4-0"]

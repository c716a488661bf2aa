"""The shape of personal data officers register: checked field by field, unknown fields refused."""

from __future__ import annotations

import json
import re

import pytest

from shared.vault.names import names_of
from shared.vault.persons import MAX_PERSON_BYTES, InvalidPerson, decode_person


def test_valid_data_comes_back_as_plain_values_and_its_names_are_indexed() -> None:
    """Every name field a person may have is one the names index reads."""
    person = {"name": "Giàng Thị Mua", "other_names": ["王秀英"], "born": "2006-05", "relation": "mother"}
    decoded = decode_person(json.dumps(person).encode())
    assert decoded == person
    assert names_of(decoded) == ["giang thi mua", "王 秀 英"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"name": "Giang Thi Mua", "alias": "Mua"}', "unknown field `alias`"),
        (b'{"name": "Giang Thi Mua", "sex": "f"}', "$.sex"),
        (b'{"name": "Giang Thi Mua", "other_names": [""]}', "$.other_names[0]"),
        (b'{"name": "   "}', "$.name"),
        (b'"Giang Thi Mua"', "object"),
        (b'{"name": "Giang Thi Mua", "other_names": ["Giang Mua", "Mua"]}', "$.other_names[1]"),
        (b'{"name": "Mai"}', "$.name"),
        (b'{"name": "\xe5\xb1\xb1"}', "$.name"),  # one Chinese character
        (b'{"name": "A"}', "$.name"),
        (b'{"name": "..."}', "$.name"),
        (b'{"name": "\xe2\x80\x8b"}', "$.name"),  # a zero-width space
        (b'{"name": "' + "阿".encode() * 17 + b'"}', "$.name"),
        (b'{"name": "Giang Thi Mua", "born": "1998-13-45"}', "$.born"),
        (b'{"name": "Giang Thi Mua", "born": "1998-02-29"}', "$.born"),
        (b'{"name": "Giang Thi Mua", "born": "1998-00"}', "$.born"),
        (b'{"name": "Giang Thi Mua", "born": "2999"}', "$.born"),
        (b'{"name": "\xff"}', "not valid UTF-8: byte 0xff at offset 10"),
    ],
)
def test_invalid_data_is_refused_naming_the_field(body: bytes, named: str) -> None:
    """A wrong type, a value outside its set, an empty or blank name, an unknown field, a name the index cannot
    protect, a date that does not exist or bytes that are not UTF-8: refused by name, never a traceback."""
    with pytest.raises(InvalidPerson, match="personal data") as refused:
        decode_person(body)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("Mai", "at least two words"), ("...", "letters or digits"), ("阿" * 17, "at most 16")],
)
def test_a_name_refused_says_why(name: str, problem: str) -> None:
    """The message says what is wrong with the name, not only where it is."""
    with pytest.raises(InvalidPerson, match=re.escape(problem)):
        decode_person(json.dumps({"name": name}).encode())


def test_a_leading_byte_order_mark_is_skipped() -> None:
    """JSON saved by an editor that starts it with the UTF-8 byte order mark is read as if it had none."""
    assert decode_person(b'\xef\xbb\xbf{"name": "Giang Thi Mua", "born": "2000-02-29"}') == {
        "name": "Giang Thi Mua", "born": "2000-02-29"}


def test_data_over_the_size_limit_is_refused_before_decoding() -> None:
    """An oversized body is refused with the limit in the message."""
    with pytest.raises(InvalidPerson, match=str(MAX_PERSON_BYTES)):
        decode_person(b'{"name": "' + b"a" * MAX_PERSON_BYTES + b'"}')

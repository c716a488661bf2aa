"""The shape of personal data officers register: checked field by field, unknown fields refused."""

from __future__ import annotations

import json

import pytest

from shared.vault_names import names_of
from shared.vault_persons import MAX_PERSON_BYTES, InvalidPerson, decode_person


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
    ],
)
def test_invalid_data_is_refused_naming_the_field(body: bytes, named: str) -> None:
    """A wrong type, a value outside its set, an empty or blank name, an unknown field: refused by name."""
    with pytest.raises(InvalidPerson, match="personal data") as refused:
        decode_person(body)
    assert named in str(refused.value)


def test_data_over_the_size_limit_is_refused_before_decoding() -> None:
    """An oversized body is refused with the limit in the message."""
    with pytest.raises(InvalidPerson, match=str(MAX_PERSON_BYTES)):
        decode_person(b'{"name": "' + b"a" * MAX_PERSON_BYTES + b'"}')

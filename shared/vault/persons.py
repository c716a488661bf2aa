"""The personal data an officer's tool registers in the vault: one checked shape for the CLI and the HTTP API.

Unknown fields are refused (unlike events): a name sent under a field the names index does not
read (``full_name``) would escape the check that keeps names out of free text, so only the
fields below are accepted, and every name goes in ``name`` or ``other_names``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from redis.asyncio import Redis

from shared.events.handovers import Nationality, Sex
from shared.vault.names import name_problem
from shared.vault.store import Vault, new_subject_id

ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Born = Annotated[str, msgspec.Meta(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
"""A year, a year and month, or a date (``1998``, ``1998-04``, ``1998-04-17``): often only the year is known."""

MAX_PERSON_BYTES = 16 * 1024
"""A registration larger than this is refused before it is decoded."""

_BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark some Windows editors put before JSON: skipped."""


class IdentityDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """A document the person carried: its kind and number (encrypted with the rest)."""

    kind: Literal["identity_card", "passport", "border_pass", "birth_certificate", "other"]
    number: ShortText
    issued_by: ShortText | None = None


class PersonalData(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """One person's data as the vault keeps it; only ``name`` is required."""

    name: ShortText
    other_names: Annotated[list[ShortText], msgspec.Meta(max_length=20)] = []
    """Aliases, maiden names, the name in the other script (names found in free text are refused)."""
    born: Born | None = None
    sex: Sex | None = None
    nationality: Nationality | None = None
    home_address: LongText | None = None
    phone: ShortText | None = None
    relation: ShortText | None = None
    """For a guardian or representative: how they relate to the person they represent (``parent``)."""
    documents: Annotated[list[IdentityDocument], msgspec.Meta(max_length=20)] = []
    notes: LongText | None = None


class InvalidPerson(ValueError):
    """Personal data that cannot be registered; the message names the field and the problem."""


_decoder = msgspec.json.Decoder(PersonalData)


def decode_person(body: bytes) -> dict[str, Any]:
    """The checked personal data of a JSON object, as plain values for ``Vault.put``; InvalidPerson if not valid."""
    if len(body) > MAX_PERSON_BYTES:
        raise InvalidPerson(f"personal data is {len(body)} bytes; the limit is {MAX_PERSON_BYTES}")
    try:
        body.decode("utf-8")  # msgspec would raise UnicodeDecodeError, with an offset inside the string
    except UnicodeDecodeError as err:
        raise InvalidPerson(f"personal data is not valid UTF-8: byte 0x{body[err.start]:02x} at offset {err.start}"
                            f" ({err.reason})") from None
    body = body.removeprefix(_BOM)
    try:
        person = _decoder.decode(body)
    except msgspec.ValidationError as err:
        raise InvalidPerson(f"personal data: {err}") from None
    except msgspec.DecodeError as err:
        raise InvalidPerson(f"personal data is not a JSON object: {err}") from None
    _check_names(person)
    if person.born is not None:
        _check_born(person.born)
    plain: dict[str, Any] = msgspec.to_builtins(person)
    return plain


def _check_names(person: PersonalData) -> None:
    """Every name must be one the names index can protect (``shared.vault.names.name_problem``)."""
    named = [("name", person.name)] + [(f"other_names[{i}]", n) for i, n in enumerate(person.other_names)]
    for field, name in named:
        problem = name_problem(name)
        if problem is not None:
            raise InvalidPerson(f"personal data: `{field}`: {problem} - at `$.{field}`")


def _check_born(born: str) -> None:
    """A real year, month or day (the pattern lets ``1998-13-45`` through), from 1900 to today."""
    year, month, day = ([int(part) for part in born.split("-")] + [1, 1])[:3]  # the earliest day it can mean
    try:
        earliest = date(year, month, day)
    except ValueError as err:
        raise InvalidPerson(f"personal data: `born` {born!r} is not a real date ({err}) - at `$.born`") from None
    if not date(1900, 1, 1) <= earliest <= datetime.now(UTC).date() + timedelta(days=1):  # slack: UTC+8 is ahead
        raise InvalidPerson(f"personal data: `born` {born!r} is not between 1900 and today - at `$.born`")


async def register(redis: Redis, personal: dict[str, Any]) -> str:
    """Put checked personal data in the vault under a fresh subject id, and return the id."""
    subject_id = new_subject_id()
    await Vault(redis).put(subject_id, personal)
    return subject_id

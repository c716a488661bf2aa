"""The shared entry reader and dead letters: what an entry keeps of itself, however it is read."""

from __future__ import annotations

import hashlib

import msgspec
import pytest

from services.hotline.domain import case_id_of
from services.hotline.domain.commands import AnyCommand
from shared.intake.entries import EntryReader, Malformed, Report, dead_letter_fields, withheld_fields
from tests.unit.hotline.reports import log_call

STREAM = "liaison:intake:hotline"


class _Report(Report[AnyCommand]):
    """A readable hotline report, as the hotline's intake declares its own."""

    __slots__ = ()


def _read(entry_id: bytes, fields: dict[bytes, bytes]) -> _Report | Malformed:
    """Read one entry with a reader built here (so a change to the reader's set-up counts too)."""
    return EntryReader(AnyCommand, _Report, case_id_of).read(entry_id, fields)


@pytest.mark.parametrize(
    ("fields", "names"),
    [({b"trace": b"1", b"body": b"{}"}, "body, trace"), ({}, "none"), ({b"\xffx": b"1"}, "\ufffdx")],
)
def test_an_entry_without_a_report_field_names_the_fields_it_has(fields: dict[bytes, bytes], names: str) -> None:
    """No ``report`` field: Malformed naming the entry's fields (sorted, undecodable bytes replaced) and the format."""
    item = _read(b"5-0", fields)
    assert item == Malformed(
        b"5-0",
        f"entry has no 'report' field (fields: {names}); write: XADD <intake> * report <JSON report>",
        None,
        fields,
    )


@pytest.mark.parametrize(
    "raw", [msgspec.json.encode(log_call("cmd-keep")), b'{"type": "LogCall", "command_id": "cmd-keep"}', b"{"]
)
def test_every_outcome_keeps_the_entry_id_and_all_its_fields(raw: bytes) -> None:
    """A report, an invalid report and bad JSON alike carry the entry id and every field of the entry."""
    fields = {b"report": raw, b"trace": b"t-1"}
    item = _read(b"9-3", fields)
    assert (item.entry_id, item.fields) == (b"9-3", fields)


def test_a_readable_report_carries_its_command_and_case() -> None:
    """A report decodes into the command, with the case its command id opens."""
    item = _read(b"1-0", {b"report": msgspec.json.encode(log_call("cmd-case"))})
    assert isinstance(item, _Report)
    assert (item.command_id, item.case_id) == ("cmd-case", case_id_of(item.command))


def test_a_dead_letter_names_the_command_id_only_when_one_was_read() -> None:
    """``command_id`` is in the dead letter when the malformed report yielded one, and absent otherwise."""
    named = _read(b"1-0", {b"report": b'{"type": "LogCall", "command_id": "cmd-dead"}'})
    anonymous = _read(b"1-1", {b"report": b"{"})
    assert dead_letter_fields(STREAM, named, "why")["command_id"] == "cmd-dead"
    assert "command_id" not in dead_letter_fields(STREAM, anonymous, "why")


def test_a_dead_letter_of_an_entry_without_a_report_keeps_its_other_fields() -> None:
    """No report field: ``original`` is empty bytes and each other field is kept under ``original.<name>``."""
    item = _read(b"2-0", {b"\xffname": b"\x00"})
    assert dead_letter_fields(STREAM, item, "no report") == {
        "reason": "no report",
        "stream": STREAM,
        "entry_id": "2-0",
        "original": b"",
        "original.\ufffdname": b"\x00",
    }


@pytest.mark.parametrize("original", [b"secret \xe2\x80\x94 report", "secret — report"])
def test_a_withheld_dead_letter_keeps_origin_size_and_hash_not_the_report(original: bytes | str) -> None:
    """Withheld: reason, stream, entry id, command id, why, and the report's UTF-8 size and SHA-256; nothing else."""
    dead: dict[str, bytes | str] = {
        "reason": "invalid report",
        "stream": STREAM,
        "entry_id": "3-0",
        "command_id": "cmd-w",
        "original": original,
        "original.trace": b"t",
    }
    raw = "secret — report".encode()
    assert withheld_fields(dead, "names a vault subject") == {
        "reason": "invalid report",
        "stream": STREAM,
        "entry_id": "3-0",
        "command_id": "cmd-w",
        "withheld": "names a vault subject",
        "size": str(len(raw)),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }


def test_a_withheld_dead_letter_without_a_command_id_or_report_still_has_size_and_hash() -> None:
    """Fields the dead letter lacks are not invented: no command_id; an absent original is size 0, hash of b""."""
    withheld = withheld_fields({"reason": "r", "stream": STREAM, "entry_id": "4-0"}, "why")
    assert withheld == {
        "reason": "r",
        "stream": STREAM,
        "entry_id": "4-0",
        "withheld": "why",
        "size": "0",
        "sha256": hashlib.sha256(b"").hexdigest(),
    }

"""The intake's size limits at their exact boundaries: 64 KiB is read, one byte more is refused."""

from __future__ import annotations

import msgspec

from services.hotline.domain import case_id_of
from services.hotline.domain.commands import AnyCommand
from shared.intake.entries import MAX_REPORT_BYTES, MAX_SCANNED_BYTES, EntryReader, Malformed, Report
from tests.unit.hotline.reports import log_call


class _Report(Report[AnyCommand]):
    """A readable hotline report, as the hotline's intake declares its own."""

    __slots__ = ()


def _read(raw: bytes) -> _Report | Malformed:
    """Read one entry holding ``raw`` with a reader built here (so a change to the reader's set-up counts too)."""
    return EntryReader(AnyCommand, _Report, case_id_of).read(b"1-0", {b"report": raw})


def _padded(size: int, command_id: str = "cmd-limit") -> bytes:
    """A valid LogCall report, padded with trailing JSON whitespace to exactly ``size`` bytes."""
    raw = msgspec.json.encode(log_call(command_id))
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def test_a_report_of_exactly_64_kib_is_read() -> None:
    """A report of exactly MAX_REPORT_BYTES passes the size check and decodes into its command."""
    item = _read(_padded(MAX_REPORT_BYTES))
    assert isinstance(item, _Report)
    assert item.command_id == "cmd-limit"


def test_one_byte_over_64_kib_is_refused_by_size() -> None:
    """A report of MAX_REPORT_BYTES + 1 is Malformed for its size, and its command id is still read for the answer."""
    item = _read(_padded(MAX_REPORT_BYTES + 1))
    assert isinstance(item, Malformed)
    assert item.reason == f"report is {MAX_REPORT_BYTES + 1} bytes; the limit is {MAX_REPORT_BYTES} (64 KiB)"
    assert item.command_id == "cmd-limit"


def test_a_refused_report_is_scanned_for_its_command_id_up_to_exactly_1_mib() -> None:
    """An oversized report of exactly MAX_SCANNED_BYTES still yields its command id; one byte more yields none."""
    at_limit = _read(_padded(MAX_SCANNED_BYTES))
    over = _read(_padded(MAX_SCANNED_BYTES + 1))
    assert isinstance(at_limit, Malformed)
    assert isinstance(over, Malformed)
    assert (at_limit.command_id, over.command_id) == ("cmd-limit", None)


def test_a_refused_reports_command_id_is_answered_only_when_1_to_128_characters() -> None:
    """From an oversized report, an id of 1 or 128 characters is read; an empty one or one of 129 is not."""
    oversized = MAX_REPORT_BYTES + 1
    read = {n: _read(_padded(oversized, "c" * n)) for n in (0, 1, 128, 129)}
    assert all(isinstance(item, Malformed) for item in read.values())
    assert {n: item.command_id for n, item in read.items()} == {0: None, 1: "c", 128: "c" * 128, 129: None}

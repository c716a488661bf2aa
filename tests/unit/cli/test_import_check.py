"""The importer's first pass: a sound export verifies; any change to it is refused, naming its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liaison.audit.archive.check import ImportRefused, check_export
from tests.unit.cli.export_factory import sample_lines


def _write(tmp_path: Path, lines: list[bytes]) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _refusal(tmp_path: Path, lines: list[bytes]) -> str:
    with pytest.raises(ImportRefused) as refused:
        check_export(_write(tmp_path, lines))
    return "\n".join(refused.value.problems)


def _entry_lines(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if b'"kind":"entry"' in line]


def test_a_sound_export_verifies(tmp_path: Path) -> None:
    """An export as written by the exporter passes, with its header and the file's sha256."""
    lines = sample_lines()
    header, digest = check_export(_write(tmp_path, lines))
    assert (header.events, header.cases, header.partitions) == (36, 6, 3)
    assert len(digest) == 64


def test_one_byte_changed_in_an_event_is_named_by_line(tmp_path: Path) -> None:
    """One letter changed inside one event's bytes is a hash mismatch at that line, naming partition and case."""
    lines = sample_lines()
    victim = _entry_lines(lines)[7]
    lines[victim] = lines[victim].replace(b"officer-", b"officer_", 1)
    case_id = json.loads(json.loads(lines[victim])["e"])["case_id"]
    found = _refusal(tmp_path, lines)
    assert f"line {victim + 1}: hash_mismatch" in found
    assert case_id in found


def test_a_deleted_entry_line_is_a_gap(tmp_path: Path) -> None:
    """An entry line removed leaves a numbering gap (and a broken link) in its partition."""
    lines = sample_lines()
    del lines[_entry_lines(lines)[3]]
    found = _refusal(tmp_path, lines)
    assert "number_gap" in found


def test_a_deleted_last_entry_is_a_shortfall_against_the_header(tmp_path: Path) -> None:
    """The last entry of a partition removed: the header's count says entries are missing at the end."""
    lines = sample_lines()
    last_of_partition = max(i for i in _entry_lines(lines) if b'"partition":0' in lines[i])
    del lines[last_of_partition]
    assert "tail_missing" in _refusal(tmp_path, lines)


def test_an_altered_header_digest_is_refused(tmp_path: Path) -> None:
    """The header's chain-heads digest must be the digest of the heads the entries lead to."""
    lines = sample_lines()
    header = json.loads(lines[0])
    header["digest"] = "f" * 64
    lines[0] = json.dumps(header).encode()
    assert "the header says " + "f" * 64 in _refusal(tmp_path, lines)


def test_lines_out_of_partition_order_are_refused(tmp_path: Path) -> None:
    """A partition's lines after a later partition's are refused, naming the line."""
    lines = sample_lines()
    lines.append(lines.pop(_entry_lines(lines)[0]))
    assert f"line {len(lines)}: partition 0 after partition 2: lines out of order" in _refusal(tmp_path, lines)


def test_a_command_naming_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    """A command record may only name entries exported before it in its own partition."""
    lines = sample_lines()
    i = next(i for i, line in enumerate(lines) if b'"kind":"command"' in line)
    command = json.loads(lines[i])
    command["ids"] = ["9999999999999-0"]
    lines[i] = json.dumps(command).encode()
    assert f"line {i + 1}" in _refusal(tmp_path, lines)


def test_garbage_and_a_missing_header_are_refused(tmp_path: Path) -> None:
    """A line that is not JSON, or a file that does not start with a header, is refused by line number."""
    lines = sample_lines()
    assert "line 3: not a line of a Liaison export" in _refusal(tmp_path, [*lines[:2], b"{oops", *lines[3:]])
    assert "line 1: the file does not start with an export header" in _refusal(tmp_path, lines[1:])

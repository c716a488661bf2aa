"""The auditors' commands refuse unbound keys, unwritable outputs and files that are not reports, before any Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liaison.audit.attestation.document import build_attestation, load_private, sign
from liaison.cli import main
from shared.store.audit import AuditReport, PartitionCount, digest_of
from shared.units import get

HEADS = {"HL-A": (2, "a" * 64)}


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("LIAISON_REDIS_URL", "redis://127.0.0.1:1")  # nothing listens: no command may need it
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


def _keygen(tmp_path: Path, unit: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    key = tmp_path / f"{unit}.key"
    assert _run(["keygen", "--unit", unit, "--out", str(key)], monkeypatch) == 0
    return key, Path(f"{key}.pub")


def _strip_first_line(path: Path) -> None:
    path.write_bytes(path.read_bytes().split(b"\n", 1)[1])


def _report_signed_as(unit_code: str, key_file: Path, tmp_path: Path) -> Path:
    """A report claiming ``unit_code`` as issuer, signed in-process with the key in ``key_file``."""
    unit = get(unit_code)
    assert unit is not None
    key = load_private(key_file.read_bytes())
    audit = AuditReport(events=2, cases=1, partitions=1,
                        counts=[PartitionCount(partition=0, entries=2, numbered=2, cases=1)],
                        heads=dict(HEADS), digest=digest_of(HEADS), elapsed=0.0, breaches=[])
    report = tmp_path / "report.json"
    report.write_text(json.dumps(sign(build_attestation(unit, audit, key.public_key(), datetime.now(UTC)), key)))
    return report


def test_a_key_stripped_of_its_unit_line_signs_and_verifies_for_no_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's forgery: Lao Cai's key files without their first line can neither sign as Hekou nor verify
    a report claiming Hekou issued it (exit 2, naming the missing line)."""
    key, public = _keygen(tmp_path, "VN-LC-IBGS", monkeypatch)
    _strip_first_line(key)
    _strip_first_line(public)
    capsys.readouterr()
    assert _run(["audit-report", "--unit", "CN-HK-IBCS", "--key", str(key)], monkeypatch) == 2
    assert f"--key: {key} names no unit" in capsys.readouterr().err
    forged = _report_signed_as("CN-HK-IBCS", key, tmp_path)
    assert _run(["verify-report", str(forged), "--public-key", str(public)], monkeypatch) == 2
    captured = capsys.readouterr()
    assert f"--public-key: {public} names no unit" in captured.err
    assert "signature valid" not in captured.out


def test_a_report_naming_another_issuer_than_the_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A labelled Lao Cai key that signed a report claiming Hekou as issuer: exit 3 naming both units."""
    key, public = _keygen(tmp_path, "VN-LC-IBGS", monkeypatch)
    forged = _report_signed_as("CN-HK-IBCS", key, tmp_path)
    capsys.readouterr()
    assert _run(["verify-report", str(forged), "--public-key", str(public)], monkeypatch) == 3
    assert "names CN-HK-IBCS as its issuer but the key is VN-LC-IBGS's" in capsys.readouterr().err
    genuine = _report_signed_as("VN-LC-IBGS", key, tmp_path)
    assert _run(["verify-report", str(genuine), "--public-key", str(public)], monkeypatch) == 0


@pytest.mark.parametrize("content", ["not json", "{}", '{"report": {"format": "x"}, "signature": {}}'])
def test_a_file_that_is_not_a_report_is_exit_2(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not JSON, or JSON of another shape: exit 2 naming the problem, not exit 3 (tampered)."""
    _, public = _keygen(tmp_path, "VN-LC-IBGS", monkeypatch)
    report = tmp_path / "r.json"
    report.write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert _run(["verify-report", str(report), "--public-key", str(public)], monkeypatch) == 2
    assert f"verify-report: {report}: not a Liaison audit report" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["export"], ["audit-report", "--unit", "VN-LC-IBGS", "--key", "KEY"]])
def test_an_unwritable_out_is_refused_before_redis(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out in a missing directory, or naming a directory: exit 2 "--out: cannot write", before reading the log."""
    key, _ = _keygen(tmp_path, "VN-LC-IBGS", monkeypatch)
    argv = [str(key) if word == "KEY" else word for word in command]
    capsys.readouterr()
    missing = tmp_path / "nonexistent" / "out"
    assert _run([*argv, "--out", str(missing)], monkeypatch) == 2
    assert f"--out: cannot write {missing}: No such file or directory" in capsys.readouterr().err
    assert _run([*argv, "--out", str(tmp_path)], monkeypatch) == 2
    assert f"--out: cannot write {tmp_path}: Is a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["VN-LC-IBGS.key", "VN-LC-IBGS.key.pub"]


def test_keygen_writes_both_key_files_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .pub that cannot be created leaves no private key behind, so a rerun works once the way is clear;
    an existing .pub is never replaced; a missing directory is a clear error."""
    key = tmp_path / "k"
    Path(f"{key}.pub").mkdir()
    assert _run(["keygen", "--unit", "VN-LC-IBGS", "--out", str(key)], monkeypatch) == 2
    assert f"--out: {key}.pub exists" in capsys.readouterr().err
    assert not key.exists()
    Path(f"{key}.pub").rmdir()
    Path(f"{key}.pub").write_bytes(b"someone's public key")
    assert _run(["keygen", "--unit", "VN-LC-IBGS", "--out", str(key)], monkeypatch) == 2
    assert Path(f"{key}.pub").read_bytes() == b"someone's public key"
    assert not key.exists()
    Path(f"{key}.pub").unlink()
    assert _run(["keygen", "--unit", "VN-LC-IBGS", "--out", str(key)], monkeypatch) == 0
    assert key.stat().st_mode & 0o777 == 0o600
    missing = tmp_path / "nonexistent" / "k"
    capsys.readouterr()
    assert _run(["keygen", "--unit", "VN-LC-IBGS", "--out", str(missing)], monkeypatch) == 2
    assert f"--out: cannot write {missing}: No such file or directory" in capsys.readouterr().err

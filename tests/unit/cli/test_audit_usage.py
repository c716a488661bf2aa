"""Usage errors of the auditors' commands: each is exit 2 with one line naming the option, before any Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.cli import main


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("LIAISON_REDIS_URL", "redis://127.0.0.1:1")  # nothing listens: no command may need it
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


def test_case_needs_as_of(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`replay --case ID` alone is refused, pointing at `liaison case ID` for the live view."""
    assert _run(["replay", "--case", "HL-1"], monkeypatch) == 2
    assert "--case needs --as-of" in capsys.readouterr().err


def test_keygen_refuses_an_unknown_unit_and_an_existing_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown unit code is refused; a second keygen onto the same file never replaces the key."""
    key = tmp_path / "k"
    assert _run(["keygen", "--unit", "VN-NOWHERE", "--out", str(key)], monkeypatch) == 2
    assert "--unit: unknown unit 'VN-NOWHERE'" in capsys.readouterr().err
    assert not key.exists()
    assert _run(["keygen", "--unit", "CN-HK-IBCS", "--out", str(key)], monkeypatch) == 0
    first = key.read_bytes()
    assert _run(["keygen", "--unit", "CN-HK-IBCS", "--out", str(key)], monkeypatch) == 2
    assert "exists" in capsys.readouterr().err
    assert key.read_bytes() == first


def test_unreadable_inputs_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing report, a public key file that is not a key, a missing export, a key of another unit: exit 2."""
    key = tmp_path / "k"
    assert _run(["keygen", "--unit", "CN-HK-IBCS", "--out", str(key)], monkeypatch) == 0
    report = tmp_path / "r.json"
    report.write_text("{}", encoding="utf-8")
    assert _run(["verify-report", str(tmp_path / "none.json"), "--public-key", f"{key}.pub"], monkeypatch) == 2
    assert _run(["verify-report", str(report), "--public-key", str(report)], monkeypatch) == 2
    assert "--public-key" in capsys.readouterr().err
    assert _run(["import", str(tmp_path / "none.jsonl")], monkeypatch) == 2
    assert "no such file" in capsys.readouterr().err
    assert _run(["audit-report", "--unit", "VN-LC-IBGS", "--key", str(key)], monkeypatch) == 2
    assert "is the key of CN-HK-IBCS" in capsys.readouterr().err

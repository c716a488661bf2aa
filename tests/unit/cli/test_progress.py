"""The progress display: a redrawn bar on a terminal, occasional plain lines elsewhere, nothing for a quick run."""

from __future__ import annotations

import io

import pytest

from liaison.audit.progress import ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_redrawn_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the bar is redrawn with a carriage return, shows share, counts and rate, and ends its line."""
    clock = iter([100.0, 100.5, 101.0, 101.0])
    monkeypatch.setattr("liaison.audit.progress.time.monotonic", lambda: next(clock))
    out = _Terminal()
    bar = ProgressBar("replay", 1000, out)
    bar(500)
    bar.close()
    text = out.getvalue()
    assert text.startswith("\rreplay [" + "#" * 15 + "." * 15 + "]  50% 500/1,000 events, 1,000/s")
    assert text.endswith("\n")


def test_without_a_terminal_plain_lines_come_every_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a terminal: no control characters, one line per PLAIN_EVERY_S, and a last line at the end."""
    now = [0.0]
    monkeypatch.setattr("liaison.audit.progress.time.monotonic", lambda: now[0])
    out = io.StringIO()
    bar = ProgressBar("import: writing", 200, out)
    for done, at in ((50, 1.0), (100, 2.5), (150, 3.0), (200, 4.0)):
        now[0] = at
        bar(done)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines == ["import: writing: 50% (100/200 events, 40/s)", "import: writing: 100% (200/200 events, 50/s)"]
    assert "\r" not in out.getvalue()


def test_a_quick_run_shows_nothing() -> None:
    """A run shorter than the first redraw leaves the output to the result alone."""
    out = _Terminal()
    bar = ProgressBar("replay", 10, out)
    bar(10)
    bar.close()
    assert out.getvalue() == ""

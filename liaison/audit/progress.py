"""A progress display on standard error: a redrawn bar on a terminal, a plain line now and then otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
TTY_EVERY_S = 0.1
"""A terminal is redrawn at most this often: drawing is not free and the eye needs no more."""
PLAIN_EVERY_S = 2.0
"""Without a terminal (a log file, CI), one line this often keeps the output short."""


class ProgressBar:
    """Shows ``done`` of ``total`` events (or another unit) as reported; callable, so it fits a progress hook."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, unit: str = "events") -> None:
        self.label = label
        self.unit = unit
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._shown_at = self.started  # a quick run shows nothing but its result
        self._done = 0
        self._drawn = False

    def __call__(self, done: int) -> None:
        self._done = done
        now = time.monotonic()
        if now - self._shown_at >= (TTY_EVERY_S if self.tty else PLAIN_EVERY_S):
            self._shown_at = now
            self._show(now)

    def line(self, now: float) -> str:
        """The progress as one line of text."""
        elapsed = now - self.started
        rate = self._done / elapsed if elapsed > 0 else 0.0
        share = min(self._done / self.total, 1.0) if self.total else 1.0
        counts = f"{self._done:,}/{self.total:,} {self.unit}, {rate:,.0f}/s"
        if not self.tty:
            return f"{self.label}: {share:.0%} ({counts})"
        filled = round(share * BAR_WIDTH)
        return f"{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} {counts}"

    def _show(self, now: float) -> None:
        if self.tty:
            self.stream.write("\r" + self.line(now) + "\x1b[K")
        else:
            self.stream.write(self.line(now) + "\n")
        self._drawn = True
        self.stream.flush()

    def close(self) -> None:
        """Show the final state if anything was shown (a terminal's cursor is left on a fresh line)."""
        if self._drawn:
            self._show(time.monotonic())
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()

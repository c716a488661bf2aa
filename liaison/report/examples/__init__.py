"""``liaison example``: a valid sample report of every report type (``hotline``, ``incidents``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from liaison.report.examples.hotline import HOTLINE_EXAMPLES
from liaison.report.examples.incidents import INCIDENT_EXAMPLES, Report

EXAMPLES: dict[str, Callable[[datetime], Report]] = HOTLINE_EXAMPLES | INCIDENT_EXAMPLES
"""Every report type of every service, with the function building its sample."""


def example(kind: str, now: datetime | None = None) -> Report:
    """A fresh sample report of one type (a new command id each time)."""
    return EXAMPLES[kind](now or datetime.now(UTC))

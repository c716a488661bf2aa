"""The hotline service's intake entries: its command union read by the shared entry reader.

The entry format, the size bound and what makes an entry malformed are in ``shared/intake/entries.py``::

    XADD liaison:intake:hotline * report <JSON report>
"""

from __future__ import annotations

from services.hotline.domain import case_id_of
from services.hotline.domain.commands import AnyCommand
from shared.intake.entries import (
    MAX_REPORT_BYTES,
    MAX_SCANNED_BYTES,
    REPORT_FIELD,
    EntryReader,
    Malformed,
    dead_letter_fields,
)
from shared.intake.entries import Report as _Report

__all__ = [
    "MAX_REPORT_BYTES",
    "MAX_SCANNED_BYTES",
    "REPORT_FIELD",
    "Malformed",
    "Report",
    "dead_letter_fields",
    "read_entry",
]


class Report(_Report[AnyCommand]):
    """A readable hotline report: its entry, the command, and the case it is about."""

    __slots__ = ()


read_entry = EntryReader(AnyCommand, Report, case_id_of).read
"""Decode one intake entry into a Report, or say why it is Malformed; never raises on bad input."""

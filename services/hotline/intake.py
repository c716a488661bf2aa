"""The hotline service's intake entries: its command union read by the shared entry reader.

The entry format, the size bound and what makes an entry malformed are in ``shared/intake/entries.py``::

    XADD liaison:intake:hotline * report <JSON report>
"""

from __future__ import annotations

from services.hotline.domain import case_id_of
from services.hotline.domain.commands import AnyCommand
from shared.intake.entries import MAX_REPORT_BYTES as MAX_REPORT_BYTES
from shared.intake.entries import MAX_SCANNED_BYTES as MAX_SCANNED_BYTES
from shared.intake.entries import EntryReader
from shared.intake.entries import Malformed as Malformed
from shared.intake.entries import Report as _Report
from shared.intake.entries import dead_letter_fields as dead_letter_fields


class Report(_Report[AnyCommand]):
    """A readable hotline report: its entry, the command, and the case it is about."""

    __slots__ = ()


read_entry = EntryReader(AnyCommand, Report, case_id_of).read
"""Decode one intake entry into a Report, or say why it is Malformed; never raises on bad input."""

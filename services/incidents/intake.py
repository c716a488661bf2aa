"""The incidents service's intake entries: its command union read by the shared entry reader.

The entry format, the size bound and what makes an entry malformed are in ``shared/intake/entries.py``::

    XADD liaison:intake:incidents * report <JSON report>
"""

from __future__ import annotations

from services.incidents.domain import case_id_of
from services.incidents.domain.commands import AnyCommand
from shared.intake.entries import EntryReader
from shared.intake.entries import Malformed as Malformed
from shared.intake.entries import Report as _Report
from shared.intake.entries import dead_letter_fields as dead_letter_fields


class Report(_Report[AnyCommand]):
    """A readable incidents report: its entry, the command, and the case it is about."""

    __slots__ = ()


read_entry = EntryReader(AnyCommand, Report, case_id_of).read
"""Decode one intake entry into a Report, or say why it is Malformed; never raises on bad input."""

"""What every report to the incidents service carries: the same envelope as the hotline's reports."""

from __future__ import annotations

from shared.domain.command import Command as Command
from shared.domain.command import LocalTime as LocalTime
from shared.domain.command import Officer as Officer
from shared.domain.rules import MAX_TEXT as MAX_TEXT

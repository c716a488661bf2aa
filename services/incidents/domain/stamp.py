"""The envelope every event of one decision shares, and the per-event part (id, version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.incidents.domain import rules
from services.incidents.domain.command_base import Command
from services.incidents.domain.policy import Policy
from shared.domain.command import envelope
from shared.events import Instant
from shared.units import Unit


@dataclass(frozen=True)
class Stamp:
    """What a decider needs besides the command and the case: the author, the instant, the policy."""

    command: Command
    case_id: str
    version: int
    now: datetime
    author: Unit
    policy: Policy

    def envelope(self, index: int = 0) -> dict[str, Any]:
        """Envelope fields of the ``index``-th event this command records."""
        return envelope(self.command, self.case_id, self.version, self.now, self.author, index)

    def local(self, field: str, moment: datetime) -> Instant:
        """A time the author gave, as an Instant (its offset must be the author's)."""
        return rules.local_time(field, moment, self.author)

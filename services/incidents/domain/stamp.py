"""The envelope every event of one decision shares, and the per-event part (id, version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.incidents.domain import rules
from services.incidents.domain.command_base import Command
from services.incidents.domain.policy import Policy
from shared.events import Instant
from shared.events.ids import event_id
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
        command = self.command
        return {
            "event_id": event_id(self.now, command.command_id, index),
            "case_id": self.case_id,
            "case_version": self.version + index + 1,
            "occurred_at": rules.local_time("at", command.at, self.author),
            "recorded_at": self.now.astimezone(UTC),
            "unit": command.unit,
            "officer": command.officer,
            "causation_id": command.command_id,
            "correlation_id": command.correlation_id or command.command_id,
            "handling": command.handling,
            "exercise": command.exercise,
        }

    def local(self, field: str, moment: datetime) -> Instant:
        """A time the author gave, as an Instant (its offset must be the author's)."""
        return rules.local_time(field, moment, self.author)

"""Builders of incidents-service reports for tests: valid by default, any field overridable, decoded like an intake.

``Case`` keeps a case's state and applies reports to it through decide and evolve, as the
service will (state = fold of the events decide returned).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from services.incidents.domain import CaseState, NewCase, Rejected, case_id_of, decide, default_policy, fold
from services.incidents.domain.commands import AnyCommand
from services.incidents.domain.policy import Policy
from shared.events import AnyEvent
from shared.events.ids import case_id_for

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
VN = "VN-LC-IBGS"
"""Lao Cai International Border Gate station (Vietnam, +07:00)."""
CN = "CN-HK-IBCS"
"""Hekou port station (China, +08:00)."""
VN_OTHER = "VN-LC-BGC"
"""Lao Cai provincial command (Vietnam)."""
CN_OTHER = "CN-HH-BMT"
"""Hong Ha border management team (China)."""
CN_MZ = "CN-MZ-BG"
"""Mong Tu border guard (China): Lao Cai's partner in quarterly bilateral patrols."""
VN_AT = "2026-11-23T09:20:00+07:00"
CN_AT = "2026-11-23T10:25:00+08:00"

_decoder = msgspec.json.Decoder(AnyCommand)


def subject(name: str) -> str:
    """A pseudonymous subject id as the vault would issue one (``SUBJ-`` + 12 base32 characters)."""
    return case_id_for(name, prefix="SUBJ")


VICTIM = subject("victim-1")
MINOR = subject("victim-2")
GUARDIAN = subject("guardian-2")


def command(report: dict[str, Any]) -> AnyCommand:
    """Decode a report the way the intake does (JSON bytes -> command)."""
    result: AnyCommand = _decoder.decode(msgspec.json.encode(report))
    return result


def text(vi: str, zh: str | None = None) -> dict[str, Any]:
    """Free text written in Vietnamese, with a Chinese translation if given."""
    return {"original": "vi", "vi": vi} | ({"zh": zh} if zh else {})


def report(kind: str, unit: str, fields: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A report of ``kind`` from ``unit`` (at its own clock): the fields, then the overrides (None removes one)."""
    unit = overrides.pop("unit", unit)
    at = VN_AT if unit.startswith("VN") else CN_AT
    body: dict[str, Any] = {"type": kind, "unit": unit, "officer": "Officer A", "at": at}
    body.update(fields)
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


class Case:
    """One case under test: its state, and the events recorded so far."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or default_policy()
        self.state: CaseState = NewCase(case_id="")
        self.events: list[AnyEvent] = []
        self._count = 0

    @property
    def case_id(self) -> str:
        return self.state.case_id

    def _prepare(self, body: dict[str, Any]) -> AnyCommand:
        self._count += 1
        body = {"command_id": f"cmd-{self._count}", **body}
        if self.state.version > 0 and "case_id" not in body:
            body["case_id"] = self.case_id
        cmd = command({k: v for k, v in body.items() if v is not None})
        if self.state.version == 0:
            case_id = case_id_of(cmd)
            self.state = NewCase(case_id=case_id or "")
        return cmd

    def do(self, body: dict[str, Any], now: datetime = NOW) -> list[AnyEvent]:
        """Decide the report on the case and fold its events in; fails the test if it is rejected."""
        cmd = self._prepare(body)
        events = decide(cmd, self.state, now, self.policy)
        self.state = fold(self.case_id, events, self.state)
        self.events += events
        return events

    def reject(self, body: dict[str, Any], now: datetime = NOW) -> Rejected:
        """Decide the report and return the rejection; fails the test if it is accepted."""
        cmd = self._prepare(body)
        with pytest.raises(Rejected) as caught:
            decide(cmd, self.state, now, self.policy)
        return caught.value

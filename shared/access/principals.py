"""Who is asking, and what each role may do (pure: no I/O). docs/security.md explains the roles.

A principal is a unit with a role. ``officer``: sends reports as its unit and reads its unit's
cases; ``viewer`` (a dashboard): reads its unit's cases; ``auditor``: reads the whole log (replay,
export, audit reports) and every case; ``operator``: runs the system (tokens, persons, parked
entries, metrics) and reads no case content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["officer", "viewer", "auditor", "operator"]
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal["send", "read_cases", "read_log", "register_persons", "metrics", "api_description"]

ALLOWED: dict[Role, frozenset[Action]] = {
    "officer": frozenset({"send", "read_cases", "api_description"}),
    "viewer": frozenset({"read_cases", "api_description"}),
    "auditor": frozenset({"read_cases", "read_log", "api_description"}),
    "operator": frozenset({"register_persons", "metrics", "api_description"}),
}
"""Role -> the actions it may take. Anything not listed is refused (403)."""

SEES_EVERY_CASE: frozenset[Role] = frozenset({"auditor"})
"""Roles that read every case whole (auditors prove the log; they are not a party's dashboard)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its token's id (never the token), its unit and its role."""

    token_id: str
    unit: str
    role: Role

    def may(self, action: Action) -> bool:
        """True if the principal's role allows ``action``."""
        return action in ALLOWED[self.role]

    @property
    def sees_every_case(self) -> bool:
        """True for a role that reads every case whole, whatever its unit."""
        return self.role in SEES_EVERY_CASE

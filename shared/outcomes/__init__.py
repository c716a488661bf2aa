"""The answer every report gets: accepted with the events it recorded, or rejected with a reason."""

from __future__ import annotations

from typing import Literal

import msgspec


class Reason(msgspec.Struct, frozen=True):
    """Why a report was rejected: a stable code for tools and a message a person can act on."""

    code: str
    message: str


class RecordedRef(msgspec.Struct, frozen=True):
    """One event an accepted report recorded."""

    event_id: str
    type: str
    case_version: int
    position: str


class Outcome(msgspec.Struct, frozen=True, omit_defaults=True):
    """The outcome of one report (``liaison send`` prints one per line)."""

    command_id: str
    status: Literal["accepted", "rejected"]
    case_id: str | None = None
    version: int | None = None
    events: tuple[RecordedRef, ...] = ()
    reason: Reason | None = None
    durability: Literal["local", "replica"] | None = None
    """Under ``LIAISON_DURABILITY=replica`` (ADR 0024), of an accepted report just recorded: ``replica`` (a replica
    held it before this answer) or ``local`` (none did in time: it is on the master's disk alone, ADR 0017).
    Absent under the default, and on a resend's answer (rebuilt from the log)."""


def rejected(command_id: str, code: str, message: str, case_id: str | None = None) -> Outcome:
    """A rejection with its reason."""
    return Outcome(command_id=command_id, status="rejected", case_id=case_id, reason=Reason(code, message))


outcome_encoder = msgspec.json.Encoder()
outcome_decoder = msgspec.json.Decoder(Outcome)

"""Outcomes of reports, built the same way whether the events were just written or read back (every service)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.domain.reasons import COMMAND_ID_REUSED
from shared.events import AnyEvent
from shared.outcomes import Outcome, RecordedRef, rejected
from shared.store import EventStore
from shared.store.durability import Level
from shared.store.event_store import AppendResult


def accepted(
    command_id: str, case_id: str, refs: Sequence[RecordedRef], durability: Level | None = None
) -> Outcome:
    """Accepted, with the events recorded and the case version after the last of them."""
    return Outcome(command_id=command_id, status="accepted", case_id=case_id, version=refs[-1].case_version,
                   events=tuple(refs), durability=durability)


def from_append(command_id: str, case_id: str, events: Sequence[AnyEvent], result: AppendResult) -> Outcome:
    """The outcome of an append that just wrote ``events`` (``result`` says where, and how durably)."""
    refs = [
        RecordedRef(event.event_id, type(event).__name__, event.case_version, position)
        for event, position in zip(events, result.positions, strict=True)
    ]
    return accepted(command_id, case_id, refs, result.durability)


def reused(command_id: str, case_id: str | None) -> Outcome:
    """The answer to a report whose command id already names a different report (ADR 0008)."""
    message = (f"command_id: {command_id!r} already names a different report; a command id names one report "
               "everywhere: give this report a new command_id")
    return rejected(command_id, COMMAND_ID_REUSED, message, case_id)


async def from_log(store: EventStore, command_id: str, case_id: str, positions: Sequence[str]) -> Outcome:
    """The outcome of a command recorded earlier, rebuilt from its events' log positions."""
    recorded = await store.read_positions(store.partition_of(case_id), positions)
    refs = []
    for entry in recorded:
        recorded_case, version, event_id, kind = entry.head()
        if recorded_case != case_id:
            # Recorded before command ids were claimed (ADR 0008) for another case of this partition:
            # that report's events are not this one's answer.
            return reused(command_id, case_id)
        refs.append(RecordedRef(event_id, kind, version, entry.position))
    if len(refs) != len(positions):
        # The store's command index points at entries the log no longer holds: tampering or
        # damage. Say so instead of inventing an answer; `liaison replay --verify` finds where.
        return rejected(command_id, "log_damaged", f"case {case_id}: events of this report are missing from the log")
    return accepted(command_id, case_id, refs)

"""Case states for decide, folded from the store (read whole each time: incidents cases are short)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from services.incidents.domain import CaseState, fold
from shared.events import AnyEvent, encode_event
from shared.store import EventStore
from shared.store.chain import GENESIS, link


@dataclass(frozen=True, slots=True)
class Loaded:
    """A case state and the hash of its last event (what the next append must link to)."""

    state: CaseState
    head_hash: str


class CaseUnreadable(ValueError):
    """The case holds an event this build cannot decode (a newer type, a missing upcaster): nothing can be decided."""


async def load(store: EventStore, case_id: str) -> Loaded:
    """The case as it stands in the store; raises UnexpectedEvent if it is not an incidents-service case,
    CaseUnreadable if one of its events cannot be decoded."""
    recorded = await store.read_case(case_id)
    if not recorded:
        return Loaded(fold(case_id, ()), GENESIS)
    try:
        events = [entry.event() for entry in recorded]
    except (ValueError, KeyError, msgspec.MsgspecError) as err:  # unknown type, no upcaster, a shape it cannot read
        raise CaseUnreadable(f"case {case_id}: {type(err).__name__}: {err}") from err
    return Loaded(fold(case_id, events), recorded[-1].hash)


def advance(before: Loaded, events: Sequence[AnyEvent]) -> Loaded:
    """The case after ``events`` are appended: folded, and the chain extended as the store will."""
    head_hash = before.head_hash
    for event in events:
        head_hash = link(head_hash, encode_event(event))
    return Loaded(fold(before.state.case_id, events, before.state), head_hash)

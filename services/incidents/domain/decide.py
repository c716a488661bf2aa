"""decide(command, state, now, policy) -> the events a report records, or Rejected with the reason.

Checks every report goes through, in this order: the sending unit is registered and gives its
own clock; the case exists (or the report opens one); the case is of the report's kind; the
sender is a party; the case is not closed. Then the kind's own rules (``*_decide`` modules).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.incidents.domain import reasons, rules
from services.incidents.domain.commands import COMMAND_KINDS, OPENING, AnyCommand
from services.incidents.domain.handover_decide import HANDOVER_DECIDERS
from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.incident_decide import INCIDENT_DECIDERS
from services.incidents.domain.incident_state import IncidentState
from services.incidents.domain.meeting_decide import MEETING_DECIDERS
from services.incidents.domain.patrol_decide import PATROL_DECIDERS
from services.incidents.domain.policy import Policy
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.stamp import Stamp
from services.incidents.domain.state import CaseState
from services.incidents.domain.state_base import NewCase
from shared.events import AnyEvent
from shared.events.ids import case_id_for

_DECIDERS: dict[type[Any], Callable[[Any, Any, Stamp], list[AnyEvent]]] = {
    **INCIDENT_DECIDERS,
    **HANDOVER_DECIDERS,
    **PATROL_DECIDERS,
    **MEETING_DECIDERS,
}


def case_id_of(command: AnyCommand) -> str | None:
    """The case a report is about: its case_id, else (for an opening report) one derived from command_id.

    Derived ids carry the kind's prefix: ``IN-`` incidents, ``HO-`` handovers, ``PT-`` patrols,
    ``MT-`` meetings; a resent opening report lands on the same case.
    """
    if command.case_id is not None:
        return command.case_id
    prefix = OPENING.get(type(command))
    return None if prefix is None else case_id_for(command.command_id, prefix=prefix)


def _ended(state: CaseState) -> str | None:
    if isinstance(state, IncidentState) and state.closed is not None:
        return f"closed ({state.closed})"
    if isinstance(state, HandoverState) and state.ended is not None:
        return state.ended
    return None


def _check_case(command: AnyCommand, state: CaseState) -> None:
    name, kind = type(command).__name__, COMMAND_KINDS[type(command)]
    opens = type(command) in OPENING
    if isinstance(state, NewCase):
        if opens:
            return
        if command.case_id is None:
            raise Rejected(reasons.UNKNOWN_CASE, f"case_id: required; {name} refers to an existing {kind} case")
        raise Rejected(reasons.UNKNOWN_CASE, f"case_id: there is no case {command.case_id!r}")
    if command.unit not in state.parties:
        # Need-to-know (docs/security.md): a unit not party to a case is answered as if there were no such case,
        # before anything that would say what the case is (its kind, that it exists, its parties).
        raise Rejected(reasons.UNKNOWN_CASE, f"case_id: there is no case {command.case_id!r}")
    if state.kind != kind:
        raise Rejected(
            reasons.WRONG_CASE_KIND, f"case_id: {state.case_id} is a {state.kind} case; {name} is for a {kind} case"
        )
    if opens:
        raise Rejected(reasons.CASE_EXISTS, f"case_id: case {state.case_id} exists already; {name} opens a new case")
    ended = _ended(state)
    if ended is not None:
        raise Rejected(reasons.CASE_CLOSED, f"case_id: case {state.case_id} is {ended}; nothing more is written to it")


def decide(command: AnyCommand, state: CaseState, now: datetime, policy: Policy) -> list[AnyEvent]:
    """The events this report records on ``state``'s case, fully enveloped; raises Rejected otherwise.

    Pure: the same command, state, ``now`` and policy give the same events (ids included).
    ``state`` is ``fold(case_id, events)`` of the case ``case_id_of(command)`` names.
    """
    author = rules.unit("unit", command.unit)
    rules.local_time("at", command.at, author)
    _check_case(command, state)
    stamp = Stamp(command, state.case_id, state.version, now, author, policy)
    return _DECIDERS[type(command)](command, state, stamp)

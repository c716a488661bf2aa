"""Patrol and meeting cases as decide sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import msgspec

from services.incidents.domain.state_base import NewCase, Opened, opening
from shared.events import MeetingRecorded, MinutesSigned, PatrolRecorded, PatrolScheduled
from shared.events.border import MarkerRange


class PatrolState(Opened, frozen=True, kw_only=True):
    """A scheduled patrol: its agreement, kind, host, sections and marker range; recorded or not."""

    kind: ClassVar[str] = "patrol"
    agreement: str
    patrol_kind: str
    host_unit: str
    sections: tuple[str, ...] = ()
    markers: MarkerRange | None = None
    recorded: bool = False


class MeetingState(Opened, frozen=True, kw_only=True):
    """Talks or a meeting; its minutes signed or not."""

    kind: ClassVar[str] = "meeting"
    signed: bool = False


def _scheduled(state: NewCase, event: PatrolScheduled) -> PatrolState:
    return PatrolState(
        **opening(event),
        parties=frozenset(event.participants),
        agreement=event.agreement,
        patrol_kind=event.kind,
        host_unit=event.host_unit,
        sections=event.sections,
        markers=event.markers,
    )


def _recorded(state: PatrolState, event: PatrolRecorded) -> PatrolState:
    return msgspec.structs.replace(state, version=event.case_version, recorded=True)


def _meeting(state: NewCase, event: MeetingRecorded) -> MeetingState:
    return MeetingState(**opening(event), parties=frozenset(event.participants))


def _signed(state: MeetingState, event: MinutesSigned) -> MeetingState:
    return msgspec.structs.replace(state, version=event.case_version, signed=True)


PATROL_EVOLVERS: dict[type[Any], Callable[[Any, Any], Any]] = {
    PatrolScheduled: _scheduled,
    PatrolRecorded: _recorded,
}

MEETING_EVOLVERS: dict[type[Any], Callable[[Any, Any], Any]] = {
    MeetingRecorded: _meeting,
    MinutesSigned: _signed,
}

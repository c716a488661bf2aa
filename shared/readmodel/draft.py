"""A case view being built: the mutable draft, the registry of rules, and one step of a fold (pure).

Rules register with ``@handles(EventType, kind=...)`` (``hotline_rules.py``, ``incident_rules.py``);
``step`` folds one event with its rule, or counts it under ``counts.other`` when none is registered.
No module here imports the module that imports it: views.py imports the rules, the rules import this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import msgspec

from shared.events import AnyEvent
from shared.events.envelope import Handling, Instant
from shared.readmodel.facts import Clocks, HandoverFacts, IncidentFacts, MeetingFacts, PatrolFacts
from shared.readmodel.schema import CaseView, Counts, Obligation, ObligationKind, Status, clocks

Facts = IncidentFacts | HandoverFacts | PatrolFacts | MeetingFacts | None
"""The kind-specific part of a view being built."""

_PER_UNIT: frozenset[str] = frozenset({"incident_acknowledgement"})
"""Obligation kinds owed by each of several units at once (any one of them settles it)."""

_NO_COUNTS: dict[str, int] = msgspec.structs.asdict(Counts())


class UnknownEvent(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope of an event whose type this code has no struct for (a newer writer's type)."""

    type: str
    event_id: str
    case_id: str
    case_version: int
    occurred_at: Instant
    unit: str
    handling: Handling = "H1"
    exercise: bool = False


ViewEvent = AnyEvent | UnknownEvent


class VersionGap(Exception):
    """The event is not the case's next version: the versions in between must be applied first."""

    def __init__(self, case_id: str, have: int, got: int) -> None:
        super().__init__(f"case {case_id}: view is at version {have}, event has version {got}")
        self.case_id = case_id
        self.have = have
        self.got = got


class _Owed(NamedTuple):
    """An obligation opened since the last freeze, its time not yet formatted."""

    kind: ObligationKind
    message_id: str
    owed_by: str
    since: datetime
    due: datetime | None = None
    overdue: bool = False


def _key(kind: str, message_id: str, owed_by: str) -> tuple[str, ...]:
    return (kind, message_id, owed_by) if kind in _PER_UNIT else (kind, message_id)


def _check_year(moment: datetime, what: str) -> None:
    # Checked when folded: shown on the local clocks at freeze time, it would overflow there.
    if not 1 < moment.year < 9999:
        raise ValueError(f"{what} {moment.isoformat()} is outside the years 2-9998")


class _Draft:
    """A case view being built: mutable, so folding many events costs no copies."""

    __slots__ = (
        "case_id",
        "counts",
        "ended",
        "exercise",
        "facts",
        "first",
        "first_moment",
        "handling",
        "kind",
        "last",
        "last_event_id",
        "last_moment",
        "linked",
        "obligations",
        "parties",
        "stale",
        "version",
    )

    def __init__(self, view: CaseView | None, case_id: str) -> None:
        self.case_id = case_id
        self.first_moment: datetime | None = None
        self.last_moment: datetime | None = None
        if view is None:
            self.kind = "unknown"
            self.parties: set[str] = set()
            self.counts: dict[str, int] = dict(_NO_COUNTS)
            self.obligations: dict[tuple[str, ...], Obligation | _Owed] = {}
            self.first: Clocks | None = None
            self.last: Clocks | None = None
            self.version = 0
            self.last_event_id: str | None = None
            self.stale = False
            self.handling: Handling = "H0"
            self.exercise = False
            self.linked: dict[str, None] = {}
            self.facts: Facts = None
            self.ended = False
            return
        self.kind = view.kind
        self.parties = set(view.parties)
        self.counts = msgspec.structs.asdict(view.counts)
        self.obligations = {_key(o.kind, o.message_id, o.owed_by): o for o in view.obligations}
        self.first = view.first_update
        self.last = view.last_update
        self.version = view.version
        self.last_event_id = view.last_event_id
        self.stale = view.stale
        self.handling = view.handling
        self.exercise = view.exercise
        self.linked = dict.fromkeys(view.linked_cases)
        self.facts = view.incident or view.handover or view.patrol or view.meeting
        self.ended = view.status == "closed"

    def owe(
        self, kind: ObligationKind, message_id: str, owed_by: str, since: datetime, due: datetime | None = None
    ) -> None:
        """Open an obligation (a second one for the same message, kind and, where per unit, unit is ignored)."""
        _check_year(since, "an obligation's start")
        if due is not None:
            _check_year(due, "a deadline")
        self.obligations.setdefault(_key(kind, message_id, owed_by), _Owed(kind, message_id, owed_by, since, due))

    def settle(self, kind: ObligationKind, message_id: str) -> None:
        """Close an obligation, if it is open."""
        self.obligations.pop((kind, message_id), None)

    def settle_all(self, kind: ObligationKind) -> None:
        """Close every open obligation of a kind (a case has at most one thing of that kind owed)."""
        for key in [k for k, o in self.obligations.items() if o.kind == kind]:
            del self.obligations[key]

    def mark_overdue(self, kind: ObligationKind, message_id: str | None = None) -> None:
        """Mark the open obligations of a kind (of one message, if given) as overdue."""
        for key, owed in self.obligations.items():
            if owed.kind == kind and (message_id is None or owed.message_id == message_id):
                if isinstance(owed, _Owed):
                    self.obligations[key] = owed._replace(overdue=True)
                else:
                    self.obligations[key] = msgspec.structs.replace(owed, overdue=True)

    def freeze(self) -> CaseView:
        """The immutable view; the draft stays usable."""
        if self.first is None and self.first_moment is not None:
            self.first = clocks(self.first_moment)
        if self.last_moment is not None:
            self.last = clocks(self.last_moment)
            self.last_moment = None
        for key, owed in self.obligations.items():
            if isinstance(owed, _Owed):  # formatted only now: most obligations are settled before a freeze
                self.obligations[key] = Obligation(
                    kind=owed.kind,
                    message_id=owed.message_id,
                    owed_by=owed.owed_by,
                    since=clocks(owed.since),
                    due=None if owed.due is None else clocks(owed.due),
                    overdue=owed.overdue,
                )
        obligations = tuple(o for o in self.obligations.values() if isinstance(o, Obligation))
        facts = self.facts
        return CaseView(
            case_id=self.case_id,
            kind=self.kind,
            status="closed" if self.ended else _status(obligations),
            parties=tuple(sorted(self.parties)),
            counts=Counts(**self.counts),
            obligations=obligations,
            first_update=self.first,
            last_update=self.last,
            version=self.version,
            last_event_id=self.last_event_id,
            stale=self.stale,
            handling=self.handling,
            exercise=self.exercise,
            linked_cases=tuple(self.linked),
            incident=facts if isinstance(facts, IncidentFacts) else None,
            handover=facts if isinstance(facts, HandoverFacts) else None,
            patrol=facts if isinstance(facts, PatrolFacts) else None,
            meeting=facts if isinstance(facts, MeetingFacts) else None,
        )


def _status(obligations: Iterable[Obligation]) -> Status:
    kinds = {o.kind for o in obligations}
    if "written_confirmation" in kinds:
        return "awaiting_confirmation"
    if "acknowledgement" in kinds or "incident_acknowledgement" in kinds:
        return "awaiting_acknowledgement"
    if "handover_acceptance" in kinds:
        return "awaiting_acceptance"
    return "open"


Rule = Callable[[_Draft, Any], None]
_RULES: dict[type[Any], tuple[str, Rule]] = {}
E = TypeVar("E")


def handles(event_type: type[E], *, kind: str) -> Callable[[Callable[[_Draft, E], None]], Callable[[_Draft, E], None]]:
    """Register the rule that folds one event type into a view; ``kind`` names cases it opens."""

    def register(rule: Callable[[_Draft, E], None]) -> Callable[[_Draft, E], None]:
        _RULES[event_type] = (kind, rule)
        return rule

    return register


def step(d: _Draft, event: ViewEvent) -> None:
    """Fold one event that is the draft's next version (the caller checked)."""
    found = _RULES.get(type(event))
    if found is None:
        d.counts["other"] += 1
    else:
        kind, rule = found
        rule(d, event)  # first, so a rule that raises leaves the envelope fields untouched
        if d.kind == "unknown":
            d.kind = kind
    moment = event.occurred_at.utc
    _check_year(moment, "occurred_at")
    if d.first is None and d.first_moment is None:
        d.first_moment = moment
    d.last_moment = moment
    d.parties.add(event.unit)
    d.handling = max(d.handling, event.handling)
    d.exercise = d.exercise or event.exercise
    d.version = event.case_version
    d.last_event_id = event.event_id



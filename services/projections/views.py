"""Case views: the current state of a case, as a pure fold over its events (ADR 0013).

``apply(view, event)`` is pure and deterministic (it reads no clock), so folding the log
from scratch gives byte-identical JSON to the view the worker built event by event. The
worker and the rebuild both use ``Fold``: a mutable draft for speed, frozen into a
``CaseView`` once per batch or per case.

Rules of the hotline view:
- every call and every letter awaits a person's acknowledgement by its recipient (callee,
  ``to_unit``) until a ``MessageAcknowledged`` names it — the same rule the hotline service
  enforces when it accepts an acknowledgement;
- an urgent call that requires written confirmation awaits it (owed by the caller) until an
  ``UrgentCallConfirmedInWriting`` names the call;
- ``status`` is ``awaiting_confirmation`` while a confirmation is owed, else
  ``awaiting_acknowledgement`` while an acknowledgement is owed, else ``open``.
- ``first_update`` / ``last_update``: when the case's first and latest events happened
  (``occurred_at``), in UTC and on the Vietnamese (+07:00) and Chinese (+08:00) clocks.

New event types plug in with ``@handles(EventType, kind=...)``; an event type with no
handler still advances the version and is counted under ``counts.other``. The rules of
incident, handover, patrol and meeting cases live in ``incident_rules`` (imported at the end
of this module, so they are registered whenever views are used), their facts in ``case_facts``.
Obligations of those cases carry their deadline (``due``), and ``overdue`` once an overdue
event recorded that it passed; a case that ended (incident closed, handover completed,
aborted or rejected) has status ``closed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal, NamedTuple, TypeVar

import msgspec

from services.projections.case_facts import Clocks as Clocks  # re-exported: part of the views API
from services.projections.case_facts import HandoverFacts, IncidentFacts, MeetingFacts, PatrolFacts
from shared.events import (
    AnyEvent,
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.events.envelope import Handling, Instant

Facts = IncidentFacts | HandoverFacts | PatrolFacts | MeetingFacts | None
"""The kind-specific part of a view being built."""

VIETNAM = timezone(timedelta(hours=7))
CHINA = timezone(timedelta(hours=8))

Status = Literal["open", "awaiting_confirmation", "awaiting_acknowledgement", "awaiting_acceptance", "closed"]
ObligationKind = Literal["written_confirmation", "acknowledgement", "incident_acknowledgement", "handover_acceptance"]

_PER_UNIT: frozenset[str] = frozenset({"incident_acknowledgement"})
"""Obligation kinds owed by each of several units at once (any one of them settles it)."""


_triple_encoder = msgspec.json.Encoder()
_triple_decoder = msgspec.json.Decoder(tuple[str, str, str])


def clocks(moment: datetime) -> Clocks:
    """An aware datetime as UTC (``…Z``), Vietnam (+07:00) and China (+08:00) local times (RFC 3339)."""
    # msgspec writes the same text as isoformat (``Z`` for UTC), three times faster: it matters
    # when a rebuild folds millions of events.
    utc, vietnam, china = _triple_decoder.decode(
        _triple_encoder.encode((moment.astimezone(UTC), moment.astimezone(VIETNAM), moment.astimezone(CHINA)))
    )
    return Clocks(utc=utc, vietnam=vietnam, china=china)


class Counts(msgspec.Struct, frozen=True, kw_only=True):
    """How many events of each kind the case holds."""

    calls: int = 0
    letters_sent: int = 0
    letters_received: int = 0
    acknowledgements: int = 0
    confirmations: int = 0
    updates: int = 0
    responses: int = 0
    links: int = 0
    verifications: int = 0
    risk_assessments: int = 0
    consents: int = 0
    schedules: int = 0
    findings: int = 0
    minutes: int = 0
    overdue: int = 0
    """Overdue events: deadlines that passed with their obligation unmet."""
    other: int = 0
    """Events of types this view has no rule for (counted, never fatal)."""


class Obligation(msgspec.Struct, frozen=True, kw_only=True):
    """Something a unit still owes on this case."""

    kind: ObligationKind
    message_id: str
    """Event id of the call (for a written confirmation) or the call or letter (for an acknowledgement)."""
    owed_by: str
    """The unit that must act."""
    since: Clocks
    due: Clocks | None = None
    """The deadline, where the log records one (incident acknowledgement, handover acceptance)."""
    overdue: bool = False
    """An overdue event recorded that the deadline passed."""


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
    """The current state of one case, as dashboards and the CLI show it."""

    case_id: str
    kind: str
    """What opened the case (``hotline``); ``unknown`` while no event with a rule was applied."""
    status: Status
    parties: tuple[str, ...]
    """Unit codes involved, sorted."""
    counts: Counts
    obligations: tuple[Obligation, ...]
    """Open obligations, in the order they arose."""
    first_update: Clocks | None
    last_update: Clocks | None
    """None only for a view whose every event so far was unreadable (see ``stale``)."""
    version: int
    """The last case version folded in (applied, or skipped as unreadable)."""
    last_event_id: str | None
    stale: bool = False
    """True once an event of the case could not be applied and was skipped (parked)."""
    handling: Handling = "H0"
    """The strictest handling code among the case's events."""
    exercise: bool = False
    """True if any event of the case belongs to an exercise."""
    linked_cases: tuple[str, ...] = ()
    """Cases linked to this one (the patrol that found an incident, the call that reported it), in order."""
    incident: IncidentFacts | None = None
    handover: HandoverFacts | None = None
    patrol: PatrolFacts | None = None
    meeting: MeetingFacts | None = None


class CaseUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of a partition's case-updates stream: the view after a write."""

    case_id: str
    version: int
    view: CaseView


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


@handles(HotlineCallLogged, kind="hotline")
def _call(d: _Draft, e: HotlineCallLogged) -> None:
    d.parties.update((e.caller_unit, e.callee_unit))
    d.counts["calls"] += 1
    if e.urgent and e.written_confirmation_required:
        d.owe("written_confirmation", e.event_id, e.caller_unit, e.started_at.utc)
    d.owe("acknowledgement", e.event_id, e.callee_unit, e.started_at.utc)


@handles(LetterSent, kind="hotline")
def _letter_sent(d: _Draft, e: LetterSent) -> None:
    d.parties.update((e.from_unit, e.to_unit))
    d.counts["letters_sent"] += 1
    d.owe("acknowledgement", e.event_id, e.to_unit, e.occurred_at.utc)


@handles(LetterReceived, kind="hotline")
def _letter_received(d: _Draft, e: LetterReceived) -> None:
    d.parties.update((e.from_unit, e.to_unit))
    d.counts["letters_received"] += 1
    d.owe("acknowledgement", e.event_id, e.to_unit, e.occurred_at.utc)


@handles(MessageAcknowledged, kind="hotline")
def _acknowledged(d: _Draft, e: MessageAcknowledged) -> None:
    d.parties.add(e.by_unit)
    d.counts["acknowledgements"] += 1
    d.settle("acknowledgement", e.message_id)


@handles(UrgentCallConfirmedInWriting, kind="hotline")
def _confirmed(d: _Draft, e: UrgentCallConfirmedInWriting) -> None:
    d.counts["confirmations"] += 1
    d.settle("written_confirmation", e.call_id)


def _step(d: _Draft, event: ViewEvent) -> None:
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


class Fold:
    """Folds one case's events in version order onto a starting view.

    A rule that raises leaves the fold as it was before that event (it is rebuilt from the
    last frozen view and the events since), so the caller can skip the event or stop.
    """

    _CHECKPOINT = 256
    """Events kept for such a rollback before the draft is frozen again (bounds memory)."""

    def __init__(self, view: CaseView | None, case_id: str) -> None:
        if view is not None and view.case_id != case_id:
            raise ValueError(f"view of case {view.case_id} given to fold case {case_id}")
        self.case_id = case_id
        self._base = view
        self._since: list[ViewEvent | int] = []
        self._draft = _Draft(view, case_id)
        self._frozen: CaseView | None = view
        self.changed = False

    @property
    def version(self) -> int:
        """The last version folded in (0 for a case with nothing yet)."""
        return self._draft.version

    def apply(self, event: ViewEvent) -> bool:
        """Fold the event if it is the next version; False if it is older (already folded in)."""
        if event.case_id != self.case_id:
            raise ValueError(f"event {event.event_id} belongs to case {event.case_id}, not {self.case_id}")
        if event.case_version <= self._draft.version:
            return False
        if event.case_version != self._draft.version + 1:
            raise VersionGap(self.case_id, self._draft.version, event.case_version)
        try:
            _step(self._draft, event)
        except BaseException:
            self._rollback()
            raise
        self._record(event)
        return True

    def skip_to(self, version: int) -> None:
        """Mark the view stale and move it to ``version``: events up to it could not be applied."""
        if version <= self._draft.version:
            return
        self._draft.stale = True
        self._draft.version = version
        self._record(version)

    def view(self) -> CaseView | None:
        """The view as folded so far (None if nothing was ever folded)."""
        if self._since:
            self._frozen = self._draft.freeze()
            self._base, self._since = self._frozen, []
        return self._frozen

    def _record(self, item: ViewEvent | int) -> None:
        self.changed = True
        self._since.append(item)
        if len(self._since) >= self._CHECKPOINT:
            self.view()

    def _rollback(self) -> None:
        self._draft = _Draft(self._base, self.case_id)
        for item in self._since:
            if isinstance(item, int):
                self._draft.stale, self._draft.version = True, item
            else:
                _step(self._draft, item)


def apply(view: CaseView | None, event: ViewEvent) -> CaseView:
    """The view after one event: unchanged if the event is older, VersionGap if it is not the next one."""
    fold = Fold(view, event.case_id if view is None else view.case_id)
    fold.apply(event)
    result = fold.view()
    if result is None:  # only reachable for a version <= 0 on an empty view
        raise VersionGap(event.case_id, 0, event.case_version)
    return result


def fold(view: CaseView | None, events: Iterable[ViewEvent], case_id: str) -> CaseView | None:
    """The view after every event, in order (older ones skipped, a gap raises VersionGap)."""
    folding = Fold(view, case_id)
    for event in events:
        folding.apply(event)
    return folding.view()


_view_encoder = msgspec.json.Encoder()
_view_decoder = msgspec.json.Decoder(CaseView)


def encode_view(view: CaseView) -> bytes:
    """The view's JSON, as stored and sent to dashboards (fields in declaration order)."""
    return _view_encoder.encode(view)


def decode_view(data: bytes | str) -> CaseView:
    """A view from its stored JSON."""
    return _view_decoder.decode(data)


# The rules of incident, handover, patrol and meeting cases register themselves with ``handles``;
# imported last because they use this module's draft and decorator.
from services.projections import incident_rules  # noqa: E402, F401

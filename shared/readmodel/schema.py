"""The read model's schema: what a case looks like to dashboards, the CLI and auditors (pure: no I/O).

The projections write it (the worker folds events with fold.py); everything that
shows a case reads it through this package: ``queries.py`` (one case, the list, filtered),
``updates.py`` (the case-updates streams), ``filters.py`` (the list's filters).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

import msgspec

from shared.events.envelope import Handling
from shared.readmodel.facts import Clocks as Clocks
from shared.readmodel.facts import HandoverFacts, IncidentFacts, MeetingFacts, PatrolFacts

VIETNAM = timezone(timedelta(hours=7))
CHINA = timezone(timedelta(hours=8))

Status = Literal["open", "awaiting_confirmation", "awaiting_acknowledgement", "awaiting_acceptance", "closed"]
ObligationKind = Literal["written_confirmation", "acknowledgement", "incident_acknowledgement", "handover_acceptance"]

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


COUNTERS_OF: dict[str, tuple[str, ...]] = {
    "hotline": ("calls", "letters_sent", "letters_received", "acknowledgements", "confirmations", "overdue"),
    "incident": ("acknowledgements", "updates", "responses", "links", "overdue"),
    "handover": ("verifications", "risk_assessments", "consents", "schedules", "overdue"),
    "patrol": ("findings",),
    "meeting": ("minutes",),
}
"""The counters that belong to each kind of case (the ones its rules count), in the order people read them."""


def shown_counts(view: CaseView) -> dict[str, int]:
    """The counters to show for a case: those of its kind, then any other that is not zero (nothing hidden)."""
    counts = msgspec.structs.asdict(view.counts)
    own = COUNTERS_OF.get(view.kind, ())
    return {name: counts[name] for name in own} | {
        name: n for name, n in counts.items() if n and name not in own
    }


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


_view_encoder = msgspec.json.Encoder()
_view_decoder = msgspec.json.Decoder(CaseView)


def encode_view(view: CaseView) -> bytes:
    """The view's JSON, as stored and sent to dashboards (fields in declaration order)."""
    return _view_encoder.encode(view)


def decode_view(data: bytes | str) -> CaseView:
    """A view from its stored JSON."""
    return _view_decoder.decode(data)

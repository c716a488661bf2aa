"""View rules of incident, handover, patrol and meeting cases, and of overdue deadlines (pure).

Each rule folds one event type into the draft view (registered with ``views.handles``). Like
the hotline rules they read no clock: a deadline is shown as the log recorded it, and a case
is overdue only once an overdue event says so (the incidents service records exactly one).
"""

from __future__ import annotations

from typing import Any

import msgspec

from shared.events import (
    AcceptanceOverdue,
    AcknowledgementOverdue,
    CasesLinked,
    ConfirmationOverdue,
    ConsentRecorded,
    HandoverAborted,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverRejected,
    HandoverScheduled,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentRaised,
    IncidentUpdated,
    MeetingRecorded,
    MinutesSigned,
    NationalityVerified,
    PatrolRecorded,
    PatrolScheduled,
    ResponseRecorded,
    RiskAssessed,
)
from shared.readmodel.draft import _Draft, handles
from shared.readmodel.facts import HandoverFacts, IncidentFacts, MeetingFacts, PatrolFacts
from shared.readmodel.schema import clocks
from shared.units import get


def _link(d: _Draft, cases: tuple[str, ...]) -> None:
    for case_id in cases:
        if case_id != d.case_id:
            d.linked.setdefault(case_id, None)


def _incident(d: _Draft) -> IncidentFacts:
    if not isinstance(d.facts, IncidentFacts):
        raise ValueError(f"case {d.case_id}: an incident event on a case that was not raised as an incident")
    return d.facts


def _handover(d: _Draft) -> HandoverFacts:
    if not isinstance(d.facts, HandoverFacts):
        raise ValueError(f"case {d.case_id}: a handover event on a case that was not proposed as a handover")
    return d.facts


def _set(d: _Draft, facts: Any, **changes: Any) -> None:
    d.facts = msgspec.structs.replace(facts, **changes)


# --- incidents ---------------------------------------------------------------------------------


@handles(IncidentRaised, kind="incident")
def _raised(d: _Draft, e: IncidentRaised) -> None:
    d.parties.update(e.parties)
    raiser = get(e.raised_by)
    for unit in e.parties:
        other = get(unit)
        if unit != e.raised_by and (raiser is None or other is None or other.country != raiser.country):
            d.owe("incident_acknowledgement", e.event_id, unit, e.occurred_at.utc, e.acknowledge_by)
    _link(d, e.linked_cases)
    d.facts = IncidentFacts(
        category=e.category,
        impact=e.impact,
        reliability=e.reliability,
        accuracy=e.accuracy,
        location=e.location,
        happened_at=clocks(e.happened_at.utc),
        raised_by=e.raised_by,
        acknowledge_by=clocks(e.acknowledge_by),
    )


@handles(IncidentAcknowledged, kind="incident")
def _incident_acknowledged(d: _Draft, e: IncidentAcknowledged) -> None:
    facts = _incident(d)
    d.counts["acknowledgements"] += 1
    d.settle_all("incident_acknowledgement")
    status = "closed" if facts.status == "closed" else "acknowledged"
    _set(d, facts, status=status, acknowledged_by=e.by_unit, acknowledged_at=clocks(e.acknowledged_at.utc))


@handles(IncidentUpdated, kind="incident")
def _updated(d: _Draft, e: IncidentUpdated) -> None:
    facts = _incident(d)
    d.counts["updates"] += 1
    changes = {
        name: value
        for name in ("category", "location", "impact", "reliability", "accuracy")
        if (value := getattr(e, name)) is not None
    }
    _set(d, facts, **changes)


@handles(ResponseRecorded, kind="incident")
def _response(d: _Draft, e: ResponseRecorded) -> None:
    facts = _incident(d)
    d.counts["responses"] += 1
    d.parties.add(e.by_unit)
    _set(d, facts, last_response=e.action)


@handles(CasesLinked, kind="incident")
def _linked(d: _Draft, e: CasesLinked) -> None:
    d.counts["links"] += 1
    _link(d, e.cases)


@handles(IncidentClosed, kind="incident")
def _closed(d: _Draft, e: IncidentClosed) -> None:
    facts = _incident(d)
    d.settle_all("incident_acknowledgement")
    d.ended = True
    _set(d, facts, status="closed", close_reason=e.reason, transferred_to=e.transferred_to, duplicate_of=e.duplicate_of)


@handles(AcknowledgementOverdue, kind="incident")
def _acknowledgement_overdue(d: _Draft, e: AcknowledgementOverdue) -> None:
    d.counts["overdue"] += 1
    d.mark_overdue("incident_acknowledgement")
    if isinstance(d.facts, IncidentFacts):
        _set(d, d.facts, overdue=True)


# --- handovers ---------------------------------------------------------------------------------


def _phase(h: HandoverFacts, ended: str | None = None) -> str:
    """The furthest step the handover reached (see ``HandoverPhase``)."""
    if ended is not None:
        return ended
    if h.executed_at is not None:
        return "executed"
    if h.scheduled_for is not None:
        return "scheduled"
    if h.answer == "accepted":
        return "accepted"
    if h.risk_level is not None:
        return "assessed"
    if h.persons and set(h.persons) <= set(h.verified):
        return "verified"
    return "proposed"


def _step(d: _Draft, facts: HandoverFacts, ended: str | None = None, **changes: Any) -> None:
    updated = msgspec.structs.replace(facts, **changes)
    blocked = updated.subject_kind == "victim" and "objects_to_notification" in updated.consents.values()
    phase = facts.phase if facts.phase in ("completed", "aborted", "rejected") else _phase(updated, ended)
    d.facts = msgspec.structs.replace(updated, blocked=blocked, phase=phase)


@handles(HandoverProposed, kind="handover")
def _proposed(d: _Draft, e: HandoverProposed) -> None:
    d.parties.update((e.from_unit, e.to_unit))
    d.owe("handover_acceptance", e.event_id, e.to_unit, e.occurred_at.utc, e.accept_by)
    _link(d, e.linked_cases)
    d.facts = HandoverFacts(
        subject_kind=e.subject_kind,
        from_unit=e.from_unit,
        to_unit=e.to_unit,
        count=e.count,
        persons=tuple(p.subject_id for p in e.persons),
        accept_by=clocks(e.accept_by),
    )


@handles(NationalityVerified, kind="handover")
def _verified(d: _Draft, e: NationalityVerified) -> None:
    facts = _handover(d)
    d.counts["verifications"] += 1
    verified = facts.verified if e.subject_id in facts.verified else (*facts.verified, e.subject_id)
    _step(d, facts, verified=verified)


@handles(RiskAssessed, kind="handover")
def _assessed(d: _Draft, e: RiskAssessed) -> None:
    facts = _handover(d)
    d.counts["risk_assessments"] += 1
    _step(d, facts, risk_level=e.level, safe_to_return=e.safe_to_return)


@handles(ConsentRecorded, kind="handover")
def _consent(d: _Draft, e: ConsentRecorded) -> None:
    facts = _handover(d)
    d.counts["consents"] += 1
    decision = "given" if e.override is not None else e.decision
    _step(d, facts, consents={**facts.consents, e.subject_id: decision})


@handles(HandoverAccepted, kind="handover")
def _accepted(d: _Draft, e: HandoverAccepted) -> None:
    facts = _handover(d)
    d.settle_all("handover_acceptance")
    _step(d, facts, answer="accepted")


@handles(HandoverRejected, kind="handover")
def _rejected(d: _Draft, e: HandoverRejected) -> None:
    facts = _handover(d)
    d.settle_all("handover_acceptance")
    d.ended = True
    _step(d, facts, "rejected", answer="rejected", rejection_cause=e.cause)


@handles(HandoverScheduled, kind="handover")
def _scheduled(d: _Draft, e: HandoverScheduled) -> None:
    facts = _handover(d)
    d.counts["schedules"] += 1
    _step(d, facts, gate=e.border_gate, scheduled_for=clocks(e.scheduled_for.utc))


@handles(HandoverExecuted, kind="handover")
def _executed(d: _Draft, e: HandoverExecuted) -> None:
    facts = _handover(d)
    d.parties.update(o.unit for o in (*e.handing_officers, *e.receiving_officers))
    _step(d, facts, executed_at=clocks(e.handed_over_at.utc))


@handles(HandoverCompleted, kind="handover")
def _completed(d: _Draft, e: HandoverCompleted) -> None:
    d.ended = True
    _step(d, _handover(d), "completed")


@handles(HandoverAborted, kind="handover")
def _aborted(d: _Draft, e: HandoverAborted) -> None:
    d.settle_all("handover_acceptance")
    d.ended = True
    _step(d, _handover(d), "aborted")


@handles(AcceptanceOverdue, kind="handover")
def _acceptance_overdue(d: _Draft, e: AcceptanceOverdue) -> None:
    d.counts["overdue"] += 1
    d.mark_overdue("handover_acceptance")
    if isinstance(d.facts, HandoverFacts):
        _set(d, d.facts, overdue=True)


@handles(ConfirmationOverdue, kind="hotline")
def _confirmation_overdue(d: _Draft, e: ConfirmationOverdue) -> None:
    d.counts["overdue"] += 1
    d.mark_overdue("written_confirmation", e.call_id)


# --- patrols and meetings ----------------------------------------------------------------------


@handles(PatrolScheduled, kind="patrol")
def _patrol_scheduled(d: _Draft, e: PatrolScheduled) -> None:
    d.parties.update(e.participants)
    d.facts = PatrolFacts(
        agreement=e.agreement,
        patrol_kind=e.kind,
        host_unit=e.host_unit,
        period=e.period,
        window_timezone=e.window_timezone,
        starts_at=clocks(e.starts_at.utc),
        ends_at=clocks(e.ends_at.utc),
        sections=e.sections,
        markers=None if e.markers is None else f"{e.markers.first}-{e.markers.last}",
    )


@handles(PatrolRecorded, kind="patrol")
def _patrol_recorded(d: _Draft, e: PatrolRecorded) -> None:
    if not isinstance(d.facts, PatrolFacts):
        raise ValueError(f"case {d.case_id}: a patrol record on a case that was not scheduled as a patrol")
    d.parties.update(e.participants)
    d.counts["findings"] += len(e.findings)
    raised = sum(1 for f in e.findings if f.raise_incident)
    _set(d, d.facts, status="recorded", findings=d.facts.findings + len(e.findings),
         incidents_raised=d.facts.incidents_raised + raised)


@handles(MeetingRecorded, kind="meeting")
def _meeting(d: _Draft, e: MeetingRecorded) -> None:
    d.parties.update(e.participants)
    d.facts = MeetingFacts(meeting_kind=e.kind, held_at=clocks(e.held_at.utc), border_gate=e.border_gate)


@handles(MinutesSigned, kind="meeting")
def _minutes(d: _Draft, e: MinutesSigned) -> None:
    if not isinstance(d.facts, MeetingFacts):
        raise ValueError(f"case {d.case_id}: minutes signed on a case that was not recorded as a meeting")
    d.counts["minutes"] += 1
    units = tuple(sorted({s.unit for s in e.signatories}))
    _set(d, d.facts, status="minutes_signed", signed_at=clocks(e.signed_at.utc), signatories=units)

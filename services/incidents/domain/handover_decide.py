"""Deciders of handover reports; the victim-safety gates they apply are in ``handover_gates``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.incidents.domain import handover_gates as gates
from services.incidents.domain import handover_subjects as subjects
from services.incidents.domain import reasons, rules
from services.incidents.domain.handover_commands import (
    AbortHandover,
    AcceptHandover,
    CompleteHandover,
    ExecuteHandover,
    ProposeHandover,
    RecordConsent,
    RecordNationalityVerification,
    RecordRiskAssessment,
    RejectHandover,
    ScheduleHandover,
)
from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.stamp import Stamp
from services.incidents.domain.state_base import NewCase
from shared.events import (
    AnyEvent,
    ConsentRecorded,
    HandoverAborted,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverRejected,
    HandoverScheduled,
    NationalityVerified,
    RiskAssessed,
)
from shared.events.border import OfficerRef
from shared.events.handovers import PERSON_KINDS


def _propose(command: ProposeHandover, state: NewCase, stamp: Stamp) -> list[AnyEvent]:
    receiver = rules.unit("to_unit", command.to_unit)
    if receiver.country == stamp.author.country:
        raise Rejected(
            reasons.INVALID_PARTY,
            f"to_unit: {receiver.code} is in {receiver.country}, like {stamp.author.code}; "
            "a handover goes across the border",
        )
    count = subjects.check_subjects(command)
    return [
        HandoverProposed(
            **stamp.envelope(),
            subject_kind=command.subject_kind,
            from_unit=command.unit,
            to_unit=receiver.code,
            persons=command.persons,
            items=command.items,
            count=count,
            circumstances=rules.text("circumstances", command.circumstances),
            accept_by=stamp.now + stamp.policy.accept_within,
            linked_cases=command.linked_cases,
        )
    ]


def _holding_side(state: HandoverState, stamp: Stamp, what: str) -> None:
    if stamp.author.code != state.from_unit:
        raise Rejected(reasons.NOT_HOLDING_SIDE, f"unit: only {state.from_unit}, which holds the subjects, {what}")


def _victims_only(state: HandoverState, what: str) -> None:
    if not state.is_victim:
        raise Rejected(
            reasons.NOT_VICTIM_HANDOVER,
            f"case_id: {what} is for victim handovers; this one hands over {state.subject_kind}"
        )


def _verify(command: RecordNationalityVerification, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    subjects.person("subject_id", state, command.subject_id)
    return [
        NationalityVerified(
            **stamp.envelope(),
            subject_id=command.subject_id,
            nationality=command.nationality,
            method=command.method,
            by_unit=command.unit,
        )
    ]


def _assess(command: RecordRiskAssessment, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    _victims_only(state, "a risk assessment")
    _holding_side(state, stamp, "assesses the risk of return")
    return [
        RiskAssessed(
            **stamp.envelope(),
            level=command.level,
            safe_to_return=command.safe_to_return,
            summary=rules.text("summary", command.summary),
            by_unit=command.unit,
        )
    ]


def _consent(command: RecordConsent, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    _victims_only(state, "consent")
    _holding_side(state, stamp, "records the victim's consent")
    person = subjects.person("subject_id", state, command.subject_id)
    if person.is_minor and command.given_by == "subject":
        raise Rejected(
            reasons.GUARDIAN_REQUIRED,
            f"given_by: {command.subject_id} is a minor; the guardian or representative on record gives the decision",
        )
    override = None if command.override is None else gates.override(command.override, stamp.policy)
    return [
        ConsentRecorded(
            **stamp.envelope(),
            subject_id=command.subject_id,
            decision=command.decision,
            given_by=command.given_by,
            override=override,
        )
    ]


def _answering(state: HandoverState, stamp: Stamp) -> None:
    if stamp.author.code != state.to_unit:
        raise Rejected(reasons.NOT_RECEIVING_SIDE, f"unit: only the receiving unit {state.to_unit} accepts or rejects")
    gates.no_objection(state)
    if state.answer != "pending":
        raise Rejected(reasons.ALREADY_DECIDED, f"case_id: the handover was {state.answer} already")


def _accept(command: AcceptHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    _answering(state, stamp)
    unverified = sorted(s for s in state.persons if s not in state.nationalities)
    if state.subject_kind in PERSON_KINDS and unverified:
        raise Rejected(reasons.NATIONALITY_UNVERIFIED, f"case_id: nationality not verified for {', '.join(unverified)}")
    return [HandoverAccepted(**stamp.envelope(), by_unit=command.unit, note=rules.maybe_text("note", command.note))]


def _reject(command: RejectHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    _answering(state, stamp)
    return [
        HandoverRejected(
            **stamp.envelope(), by_unit=command.unit, cause=command.cause, note=rules.maybe_text("note", command.note)
        )
    ]


def _not_executed(state: HandoverState) -> None:
    if state.executed:
        raise Rejected(reasons.ALREADY_EXECUTED, f"case_id: handover {state.case_id} was executed already")


def _schedule(command: ScheduleHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    gates.no_objection(state)
    _not_executed(state)
    gates.victim_gates(state)
    scheduled_for = stamp.local("scheduled_for", command.scheduled_for)
    rules.not_before("scheduled_for", scheduled_for, "the report's time at", stamp.local("at", command.at))
    return [HandoverScheduled(**stamp.envelope(), border_gate=command.border_gate, scheduled_for=scheduled_for)]


def _officers(field: str, officers: tuple[OfficerRef, ...], country: str, side: str) -> tuple[OfficerRef, ...]:
    if not officers:
        raise Rejected(reasons.RECEIPT_INCOMPLETE, f"{field}: the receipt names the officers of the {side} side")
    for i, officer in enumerate(officers):
        if rules.unit(f"{field}[{i}].unit", officer.unit).country != country:
            raise Rejected(
                reasons.RECEIPT_INCOMPLETE, f"{field}[{i}].unit: {officer.unit} is not of the {side} side ({country})"
            )
    return officers


def _execute(command: ExecuteHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    gates.no_objection(state)
    _not_executed(state)
    if state.answer != "accepted":
        raise Rejected(
            reasons.NOT_ACCEPTED, f"case_id: the receiving side ({state.to_unit}) has not accepted the handover"
        )
    if state.scheduled_for is None:
        raise Rejected(reasons.NOT_SCHEDULED, "case_id: schedule the gate and time first (ScheduleHandover)")
    gates.victim_gates(state)
    for i, subject_id in enumerate(command.persons):
        subjects.person(f"persons[{i}]", state, subject_id)
    handed = command.persons if state.subject_kind in PERSON_KINDS else command.belongings
    if not handed:
        what = "persons" if state.subject_kind in PERSON_KINDS else "belongings"
        raise Rejected(reasons.RECEIPT_INCOMPLETE, f"{what}: the receipt lists what was handed over")
    giver, receiver = rules.unit("from_unit", state.from_unit), rules.unit("to_unit", state.to_unit)
    return [
        HandoverExecuted(
            **stamp.envelope(),
            persons=command.persons,
            belongings=subjects.items("belongings", command.belongings),
            documents=command.documents,
            handing_officers=_officers("handing_officers", command.handing_officers, giver.country, "handing"),
            receiving_officers=_officers(
                "receiving_officers", command.receiving_officers, receiver.country, "receiving"
            ),
            handed_over_at=stamp.local("at", command.at),
            receiving_country=receiver.country,
        )
    ]


def _complete(command: CompleteHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    if not state.executed:
        raise Rejected(reasons.NOT_EXECUTED, "case_id: a handover is completed after it is executed (ExecuteHandover)")
    return [HandoverCompleted(**stamp.envelope(), note=rules.maybe_text("note", command.note))]


def _abort(command: AbortHandover, state: HandoverState, stamp: Stamp) -> list[AnyEvent]:
    _not_executed(state)
    return [HandoverAborted(**stamp.envelope(), reason=rules.text("reason", command.reason))]


HANDOVER_DECIDERS: dict[type[Any], Callable[[Any, Any, Stamp], list[AnyEvent]]] = {
    ProposeHandover: _propose,
    RecordNationalityVerification: _verify,
    RecordRiskAssessment: _assess,
    RecordConsent: _consent,
    AcceptHandover: _accept,
    RejectHandover: _reject,
    ScheduleHandover: _schedule,
    ExecuteHandover: _execute,
    CompleteHandover: _complete,
    AbortHandover: _abort,
}

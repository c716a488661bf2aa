"""Reports about a handover and return: propose, verify, assess, consent, accept or reject, schedule, execute, end."""

from __future__ import annotations

from typing import Annotated

import msgspec

from services.incidents.domain.command_base import Command, LocalTime, Officer
from shared.events.border import OfficerRef
from shared.events.envelope import Identifier, Text
from shared.events.handovers import (
    ConsentDecision,
    ConsentGiver,
    DocumentRef,
    Item,
    Nationality,
    PersonRef,
    RejectionCause,
    RiskLevel,
    SubjectId,
    SubjectKind,
    VerificationMethod,
)

Persons = Annotated[tuple[PersonRef, ...], msgspec.Meta(max_length=200)]
Items = Annotated[tuple[Item, ...], msgspec.Meta(max_length=200)]


class ProposeHandover(Command, frozen=True, kw_only=True, tag="ProposeHandover"):
    """The holding unit proposes to hand subjects over to ``to_unit``; opens a case when ``case_id`` is absent."""

    subject_kind: SubjectKind
    to_unit: Identifier
    persons: Persons = ()
    items: Items = ()
    circumstances: Text
    linked_cases: tuple[Identifier, ...] = ()


class RecordNationalityVerification(Command, frozen=True, kw_only=True, tag="RecordNationalityVerification"):
    """Record how a person's nationality was verified, by either side."""

    subject_id: SubjectId
    nationality: Nationality
    method: VerificationMethod


class RecordRiskAssessment(Command, frozen=True, kw_only=True, tag="RecordRiskAssessment"):
    """The holding side records its assessment of the risk of returning the victims."""

    level: RiskLevel
    safe_to_return: bool
    summary: Text


class OverrideRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Proceed against the victim's decision. Fields are optional here so decide can say which one is missing."""

    reason: Text | None = None
    authorised_role: Identifier | None = None
    authorised_by: Officer | None = None


class RecordConsent(Command, frozen=True, kw_only=True, tag="RecordConsent"):
    """The holding side records a victim's decision (a minor's by their guardian or representative)."""

    subject_id: SubjectId
    decision: ConsentDecision
    given_by: ConsentGiver
    override: OverrideRequest | None = None


class AcceptHandover(Command, frozen=True, kw_only=True, tag="AcceptHandover"):
    """The receiving unit accepts the handover."""

    note: Text | None = None


class RejectHandover(Command, frozen=True, kw_only=True, tag="RejectHandover"):
    """The receiving unit rejects the handover, with its cause."""

    cause: RejectionCause
    note: Text | None = None


class ScheduleHandover(Command, frozen=True, kw_only=True, tag="ScheduleHandover"):
    """Set (or move) the gate and time of the handover; the time is shown on both clocks."""

    border_gate: Identifier
    scheduled_for: LocalTime


class ExecuteHandover(Command, frozen=True, kw_only=True, tag="ExecuteHandover"):
    """Record the handover receipt (at ``at``): persons, belongings, documents, the officers of both sides."""

    persons: tuple[SubjectId, ...] = ()
    belongings: Items = ()
    documents: tuple[DocumentRef, ...] = ()
    handing_officers: tuple[OfficerRef, ...]
    receiving_officers: tuple[OfficerRef, ...]


class CompleteHandover(Command, frozen=True, kw_only=True, tag="CompleteHandover"):
    """Close an executed handover."""

    note: Text | None = None


class AbortHandover(Command, frozen=True, kw_only=True, tag="AbortHandover"):
    """Call the handover off before it is completed."""

    reason: Text

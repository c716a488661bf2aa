"""Events of a handover case: a two-phase handover and return of persons, the deceased, property or livestock.

ADR 0016: persons appear only by a pseudonymous subject id (``SUBJ-`` + 12 base32 characters)
and the minimum handover data set (sex, age band, minor or not). Names and documents' contents
live in the personal-data vault, never in these events.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from shared.events.border import OfficerName, OfficerRef
from shared.events.envelope import AwareDatetime, Event, Identifier, Instant, Text
from shared.units import Country

SUBJECT_ID_PATTERN = r"^SUBJ-[A-Z2-7]{12}$"
SubjectId = Annotated[str, msgspec.Meta(pattern=SUBJECT_ID_PATTERN)]
"""A pseudonymous person id issued by the vault; it cannot hold a name (the pattern refuses one)."""

SubjectKind = Literal["victim", "illegal_crosser", "violator", "deceased", "property", "livestock"]
PERSON_KINDS: frozenset[str] = frozenset({"victim", "illegal_crosser", "violator", "deceased"})
LIVING_KINDS: frozenset[str] = frozenset({"victim", "illegal_crosser", "violator"})
"""Kinds of persons for whom a minor needs a guardian or representative."""

Sex = Literal["female", "male", "unknown"]
AgeBand = Literal["0-5", "6-13", "14-15", "16-17", "18-29", "30-49", "50-64", "65+", "unknown"]
MINOR_BANDS: frozenset[str] = frozenset({"0-5", "6-13", "14-15", "16-17"})

RepresentativeKind = Literal["guardian", "legal_representative", "social_worker", "consular_officer"]
Nationality = Literal["VN", "CN", "third_country", "stateless", "undetermined"]
VerificationMethod = Literal["identity_document", "database_check", "interview", "family_confirmation", "other"]
RiskLevel = Literal["low", "medium", "high", "very_high"]
ConsentDecision = Literal["given", "refused", "objects_to_notification"]
"""``objects_to_notification``: the victim objects to the other side being told; blocks every cross-border step."""
ConsentGiver = Literal["subject", "guardian", "representative"]
RejectionCause = Literal[
    "nationality_not_confirmed", "insufficient_information", "not_competent", "risk_to_subject", "capacity", "other"
]
DocumentKind = Literal[
    "identity_document", "travel_document", "medical_record", "death_certificate", "inventory", "other"
]


class Representative(msgspec.Struct, frozen=True, kw_only=True):
    """A minor's guardian or representative, by pseudonymous id (a guardian is a person too)."""

    kind: RepresentativeKind
    subject_id: SubjectId


class PersonRef(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One person to hand over: the minimum handover data set."""

    subject_id: SubjectId
    sex: Sex
    age_band: AgeBand
    is_minor: bool
    representative: Representative | None = None


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """Property or livestock to hand over, or a person's belongings."""

    description: Text
    quantity: Annotated[int, msgspec.Meta(ge=1)]


class DocumentRef(msgspec.Struct, frozen=True, kw_only=True):
    """A document handed over, by kind and reference (its content stays in the vault)."""

    kind: DocumentKind
    reference: Identifier


class ConsentOverride(msgspec.Struct, frozen=True, kw_only=True):
    """Proceeding against a victim's decision: why, and who was authorised to decide it."""

    reason: Text
    authorised_role: Identifier
    authorised_by: OfficerName


class HandoverProposed(Event, frozen=True, kw_only=True, tag="HandoverProposed"):
    """The holding side proposed to hand subjects over to a unit across the border; opens a handover case."""

    subject_kind: SubjectKind
    from_unit: Identifier
    to_unit: Identifier
    persons: tuple[PersonRef, ...] = ()
    items: tuple[Item, ...] = ()
    count: int
    """Persons, or the total quantity of property or livestock."""
    circumstances: Text
    accept_by: AwareDatetime
    """UTC deadline for the receiving side to accept or reject (policy at the time of the proposal)."""
    linked_cases: tuple[Identifier, ...] = ()


class NationalityVerified(Event, frozen=True, kw_only=True, tag="NationalityVerified"):
    """A party verified a person's nationality."""

    subject_id: SubjectId
    nationality: Nationality
    method: VerificationMethod
    by_unit: Identifier


class RiskAssessed(Event, frozen=True, kw_only=True, tag="RiskAssessed"):
    """The holding side assessed the risk to victims of returning them."""

    level: RiskLevel
    safe_to_return: bool
    summary: Text
    by_unit: Identifier


class ConsentRecorded(Event, frozen=True, kw_only=True, tag="ConsentRecorded"):
    """A victim's (or their guardian's) decision on the handover, possibly overridden by an authorised role."""

    subject_id: SubjectId
    decision: ConsentDecision
    given_by: ConsentGiver
    override: ConsentOverride | None = None


class HandoverAccepted(Event, frozen=True, kw_only=True, tag="HandoverAccepted"):
    """The receiving side accepted the handover."""

    by_unit: Identifier
    note: Text | None = None


class HandoverRejected(Event, frozen=True, kw_only=True, tag="HandoverRejected"):
    """The receiving side rejected the handover, with its cause; the case ends."""

    by_unit: Identifier
    cause: RejectionCause
    note: Text | None = None


class HandoverScheduled(Event, frozen=True, kw_only=True, tag="HandoverScheduled"):
    """Gate and time of the handover were set (a later schedule replaces an earlier one)."""

    border_gate: Identifier
    scheduled_for: Instant


class HandoverExecuted(Event, frozen=True, kw_only=True, tag="HandoverExecuted"):
    """The handover took place: the receipt both sides' officers signed."""

    persons: tuple[SubjectId, ...] = ()
    belongings: tuple[Item, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    handing_officers: tuple[OfficerRef, ...]
    receiving_officers: tuple[OfficerRef, ...]
    handed_over_at: Instant
    receiving_country: Country


class HandoverCompleted(Event, frozen=True, kw_only=True, tag="HandoverCompleted"):
    """The handover case is complete (follow-up done); nothing more is written to it."""

    note: Text | None = None


class HandoverAborted(Event, frozen=True, kw_only=True, tag="HandoverAborted"):
    """The handover was called off before completion; nothing more is written to it."""

    reason: Text

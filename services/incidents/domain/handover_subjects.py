"""Checks on the subjects of a handover: the minimum data set, minors' guardians, receipts."""

from __future__ import annotations

from services.incidents.domain import reasons, rules
from services.incidents.domain.handover_commands import ProposeHandover
from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.reasons import Rejected
from shared.events.handovers import LIVING_KINDS, MINOR_BANDS, PERSON_KINDS, Item, PersonRef


def _person(field: str, person: PersonRef, kind: str) -> None:
    if person.age_band != "unknown" and (person.age_band in MINOR_BANDS) != person.is_minor:
        raise Rejected(
            reasons.INVALID_SUBJECTS,
            f"{field}.is_minor: {person.is_minor} contradicts age_band {person.age_band!r}",
        )
    if person.is_minor and kind in LIVING_KINDS and person.representative is None:
        raise Rejected(
            reasons.GUARDIAN_REQUIRED,
            f"{field}.representative: {person.subject_id} is a minor; name a guardian or representative "
            "(by pseudonymous subject id) before proposing the handover",
        )
    if person.representative is not None and person.representative.subject_id == person.subject_id:
        raise Rejected(reasons.INVALID_SUBJECTS, f"{field}.representative: a person cannot represent themself")


def items(field: str, values: tuple[Item, ...]) -> tuple[Item, ...]:
    """Items whose descriptions are present in their original language."""
    for i, item in enumerate(values):
        rules.text(f"{field}[{i}].description", item.description)
    return values


def check_subjects(command: ProposeHandover) -> int:
    """The proposal's persons or items fit its subject kind; returns the count of the minimum data set."""
    kind = command.subject_kind
    if kind in PERSON_KINDS:
        if not command.persons or command.items:
            raise Rejected(
                reasons.INVALID_SUBJECTS, f"persons: a {kind} handover lists persons (at least one) and no items"
            )
        ids = [p.subject_id for p in command.persons]
        if len(set(ids)) != len(ids):
            raise Rejected(reasons.INVALID_SUBJECTS, "persons: a subject_id appears twice")
        for i, person in enumerate(command.persons):
            _person(f"persons[{i}]", person, kind)
        return len(command.persons)
    if not command.items or command.persons:
        raise Rejected(reasons.INVALID_SUBJECTS, f"items: a {kind} handover lists items (at least one) and no persons")
    items("items", command.items)
    return sum(item.quantity for item in command.items)


def person(field: str, state: HandoverState, subject_id: str) -> PersonRef:
    """A person of this handover."""
    found = state.persons.get(subject_id)
    if found is None:
        known = ", ".join(sorted(state.persons)) or f"none: it hands over {state.subject_kind}"
        raise Rejected(reasons.UNKNOWN_SUBJECT, f"{field}: {subject_id} is not a person of this handover ({known})")
    return found

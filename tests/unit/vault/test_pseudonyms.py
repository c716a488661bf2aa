"""Handover events name persons only by pseudonymous subject id (ADR 0016), checked on their types."""

from __future__ import annotations

import inspect as pyinspect

import msgspec
import msgspec.inspect as mi

from shared.events import Event, handovers
from shared.events.handovers import SUBJECT_ID_PATTERN

HANDOVER_EVENTS = sorted(
    (c for _, c in pyinspect.getmembers(handovers, pyinspect.isclass) if issubclass(c, Event) and c is not Event),
    key=lambda cls: cls.__name__,
)

FREE_STRINGS = {
    # envelope and provenance: ids and units, the border officer who wrote it
    "event_id", "case_id", "unit", "officer", "causation_id", "correlation_id", "occurred_at.text",
    # units and places of the handover
    "from_unit", "to_unit", "by_unit", "border_gate", "linked_cases[]",
    # border-guard officers are named in receipts and overrides (victims never are)
    "handing_officers[].unit", "handing_officers[].officer", "handing_officers[].title",
    "receiving_officers[].unit", "receiving_officers[].officer", "receiving_officers[].title",
    "override.authorised_role", "override.authorised_by",
    # a document's reference (its content stays in the vault)
    "documents[].reference",
    "scheduled_for.text", "handed_over_at.text",
    # the signed report itself (ADR 0020): it passed the same names check as the event's free text before
    # anything was recorded, and a handover report names persons by subject id only, as its events do
    "proof.key", "proof.signature", "proof.report", "proof.principal",
}
"""Unconstrained strings a handover event may carry that are not free text; a new one must be reviewed here."""

TEXT_FIELDS = {"vi", "zh", "en"}
"""Free text ({vi, zh, en}) is checked against the vault's names before a report is decided."""


def _strings(info: mi.Type, path: str, found: dict[str, str | None]) -> None:
    if isinstance(info, mi.StructType):
        is_text = {f.name for f in info.fields} >= {"original", *TEXT_FIELDS}
        for field in info.fields:
            if is_text and field.name in TEXT_FIELDS:
                continue
            _strings(field.type, f"{path}.{field.name}" if path else field.name, found)
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            _strings(option, path, found)
    elif isinstance(info, mi.VarTupleType | mi.ListType | mi.FrozenSetType | mi.SetType):
        _strings(info.item_type, f"{path}[]", found)
    elif isinstance(info, mi.StrType):
        found[path] = info.pattern


def _string_fields(cls: type[msgspec.Struct]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    _strings(mi.type_info(cls), "", found)
    return found


def test_every_handover_event_type_is_checked() -> None:
    """The check covers all ten handover event types of the log."""
    assert len(HANDOVER_EVENTS) == 10


def test_persons_appear_only_as_subject_ids() -> None:
    """Every string of a handover event is a subject id (by pattern), free text, or a reviewed non-personal field."""
    proposed = _string_fields(handovers.HandoverProposed)
    assert proposed["persons[].subject_id"] == proposed["persons[].representative.subject_id"] == SUBJECT_ID_PATTERN
    for cls in HANDOVER_EVENTS:
        for path, pattern in _string_fields(cls).items():
            if "subject_id" in path or path == "persons[]":
                assert pattern == SUBJECT_ID_PATTERN, f"{cls.__name__}.{path} must be a SubjectId"
            elif pattern is None:
                assert path in FREE_STRINGS, f"{cls.__name__}.{path}: a new free string; can it hold a person's data?"


def test_the_subject_id_pattern_cannot_hold_a_name() -> None:
    """A subject id is SUBJ- and 12 upper-case base32 characters: a written name (spaces, lower case) is refused."""
    decoder = msgspec.json.Decoder(handovers.PersonRef)
    good = b'{"subject_id":"SUBJ-ABCDEFGH2345","sex":"female","age_band":"18-29","is_minor":false}'
    assert decoder.decode(good).subject_id == "SUBJ-ABCDEFGH2345"
    for bad in ("SUBJ-Nguyen Thi Hoa", "SUBJ-nguyenthihoa", "Nguyen Thi Hoa", "SUBJ-NGUYEN-THI-HOA"):
        raw = good.replace(b"SUBJ-ABCDEFGH2345", bad.encode())
        try:
            decoder.decode(raw)
        except msgspec.ValidationError:
            continue
        raise AssertionError(f"{bad!r} was accepted as a subject id")

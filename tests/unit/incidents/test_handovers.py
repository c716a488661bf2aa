"""Handover cases: the two-phase flow, the victim-safety gates, and every rule that rejects a report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest

from services.incidents.domain import HandoverState, default_policy, reasons
from shared.events import (
    ConsentRecorded,
    HandoverAccepted,
    HandoverCompleted,
    HandoverExecuted,
    HandoverProposed,
    HandoverScheduled,
)
from tests.unit.incidents import handover_reports as rep
from tests.unit.incidents import incident_reports
from tests.unit.incidents.reports import (
    CN,
    CN_OTHER,
    GUARDIAN,
    MINOR,
    NOW,
    VICTIM,
    VN,
    VN_OTHER,
    Case,
    command,
    subject,
)


def _proposed(**overrides: Any) -> Case:
    case = Case()
    case.do(rep.propose(**overrides))
    return case


def _ready(case: Case | None = None) -> Case:
    """Verified, assessed safe, both victims consenting (the minor through the guardian)."""
    case = case or _proposed()
    case.do(rep.verify(VICTIM))
    case.do(rep.verify(MINOR))
    case.do(rep.assess())
    case.do(rep.consent(VICTIM))
    case.do(rep.consent(MINOR, given_by="guardian"))
    return case


def _accepted() -> Case:
    case = _ready()
    case.do(rep.accept())
    return case


def _state(case: Case) -> HandoverState:
    assert isinstance(case.state, HandoverState)
    return case.state


def test_the_whole_flow_records_each_step() -> None:
    """Propose -> verify -> assess -> consent -> accept -> schedule -> execute -> complete is accepted end to end."""
    case = _accepted()
    [scheduled] = case.do(rep.schedule())
    [executed] = case.do(rep.execute())
    [completed] = case.do(rep.complete())
    proposed = case.events[0]
    assert isinstance(proposed, HandoverProposed)
    assert proposed.case_id.startswith("HO-")
    assert (proposed.from_unit, proposed.to_unit, proposed.count, proposed.subject_kind) == (VN, CN, 2, "victim")
    assert proposed.accept_by == NOW + default_policy().accept_within
    assert isinstance(scheduled, HandoverScheduled)
    assert scheduled.scheduled_for.text == "2026-11-24T09:00:00+07:00"
    assert isinstance(executed, HandoverExecuted)
    assert executed.receiving_country == "CN"
    assert isinstance(completed, HandoverCompleted)
    assert _state(case).ended == "completed"


def test_events_carry_only_pseudonymous_ids_and_the_minimum_data_set() -> None:
    """A subject id must look like SUBJ-<12 base32>: a name in its place fails to decode."""
    with pytest.raises(msgspec.ValidationError, match="subject_id"):
        command(rep.propose(command_id="c", persons=[rep.person("Nguyen Thi A")]))


def test_a_handover_goes_across_the_border() -> None:
    """to_unit in the proposer's own country is invalid_party."""
    assert Case().reject(rep.propose(to_unit=VN_OTHER)).code == reasons.INVALID_PARTY


def test_a_minor_needs_a_guardian_or_representative_on_record() -> None:
    """A minor victim proposed without a representative is guardian_required; a deceased minor needs none."""
    no = Case().reject(rep.propose(persons=[rep.minor(representative=None)]))
    assert (no.code, "persons[0].representative" in no.message) == (reasons.GUARDIAN_REQUIRED, True)
    [event] = Case().do(rep.propose(subject_kind="deceased", persons=[rep.minor(representative=None)]))
    assert isinstance(event, HandoverProposed)


def test_a_minors_consent_is_given_by_the_guardian() -> None:
    """Consent for a minor given_by subject is guardian_required."""
    case = _proposed()
    assert case.reject(rep.consent(MINOR, given_by="subject")).code == reasons.GUARDIAN_REQUIRED


@pytest.mark.parametrize(
    "persons",
    [
        [],
        [rep.person(), rep.person()],
        [rep.person(is_minor=True, representative={"kind": "guardian", "subject_id": GUARDIAN})],
        [rep.minor(representative={"kind": "guardian", "subject_id": MINOR})],
    ],
    ids=["none", "twice", "adult-marked-minor", "represents-self"],
)
def test_the_persons_must_be_a_consistent_minimum_data_set(persons: list[dict[str, Any]]) -> None:
    """No persons, a repeated id, is_minor against the age band, self-representation: invalid_subjects."""
    assert Case().reject(rep.propose(persons=persons)).code == reasons.INVALID_SUBJECTS


def test_property_is_handed_over_as_items_not_persons() -> None:
    """A livestock handover lists items (count = total quantity); persons on it are invalid_subjects."""
    [event] = Case().do(rep.propose_property())
    assert isinstance(event, HandoverProposed)
    assert event.count == 3
    assert Case().reject(rep.propose_property(persons=[rep.person()])).code == reasons.INVALID_SUBJECTS


def test_verification_names_a_person_of_the_handover() -> None:
    """Verifying a subject not in the handover is unknown_subject."""
    assert _proposed().reject(rep.verify(subject("someone-else"))).code == reasons.UNKNOWN_SUBJECT


def test_risk_and_consent_are_for_victim_handovers_recorded_by_the_holding_side() -> None:
    """Hekou cannot record the risk assessment or consent (not_holding_side); a livestock case has neither."""
    case = _proposed()
    assert case.reject(rep.assess(unit=CN)).code == reasons.NOT_HOLDING_SIDE
    assert case.reject(rep.consent(unit=CN)).code == reasons.NOT_HOLDING_SIDE
    livestock = Case()
    livestock.do(rep.propose_property())
    assert livestock.reject(rep.assess()).code == reasons.NOT_VICTIM_HANDOVER


def test_acceptance_and_rejection_only_by_the_receiving_side() -> None:
    """The proposing unit accepting or rejecting its own handover is not_receiving_side."""
    case = _ready()
    assert case.reject(rep.accept(unit=VN)).code == reasons.NOT_RECEIVING_SIDE
    assert case.reject(rep.reject(unit=VN)).code == reasons.NOT_RECEIVING_SIDE


def test_only_parties_write_to_a_handover() -> None:
    """A Chinese unit that is not a party is answered unknown_case, as for a case that does not exist."""
    assert _ready().reject(rep.accept(unit=CN_OTHER)).code == reasons.UNKNOWN_CASE


def test_acceptance_needs_every_nationality_verified() -> None:
    """Accepting before the minor's nationality is verified is nationality_unverified naming the subject."""
    case = _proposed()
    case.do(rep.verify(VICTIM))
    no = case.reject(rep.accept())
    assert (no.code, MINOR in no.message) == (reasons.NATIONALITY_UNVERIFIED, True)


def test_the_receiving_side_answers_once() -> None:
    """After an acceptance, another acceptance or a rejection is already_decided."""
    case = _accepted()
    assert case.reject(rep.accept()).code == reasons.ALREADY_DECIDED
    assert case.reject(rep.reject()).code == reasons.ALREADY_DECIDED


def test_a_rejection_ends_the_handover() -> None:
    """After RejectHandover nothing more is written: case_closed."""
    case = _ready()
    case.do(rep.reject())
    assert case.reject(rep.schedule()).code == reasons.CASE_CLOSED


def test_a_victim_handover_cannot_be_scheduled_before_a_risk_assessment() -> None:
    """Scheduling a victim handover with no risk assessment is risk_assessment_required."""
    case = _proposed()
    assert case.reject(rep.schedule()).code == reasons.RISK_ASSESSMENT_REQUIRED


def test_a_livestock_handover_needs_no_risk_assessment_to_be_scheduled() -> None:
    """The victim gates apply to victims only."""
    case = Case()
    case.do(rep.propose_property())
    [event] = case.do(rep.schedule())
    assert isinstance(event, HandoverScheduled)


def test_an_unsafe_assessment_blocks_scheduling() -> None:
    """The latest risk assessment finding the return unsafe is unsafe_return."""
    case = _ready()
    case.do(rep.assess(level="high", safe_to_return=False))
    assert case.reject(rep.schedule()).code == reasons.UNSAFE_RETURN


def test_scheduling_a_victim_handover_needs_every_victims_consent() -> None:
    """A victim with no consent on record (or refusing) is consent_required naming the subject."""
    case = _proposed()
    case.do(rep.assess())
    case.do(rep.consent(VICTIM))
    no = case.reject(rep.schedule())
    assert (no.code, MINOR in no.message) == (reasons.CONSENT_REQUIRED, True)
    case.do(rep.consent(MINOR, given_by="guardian", decision="refused"))
    assert case.reject(rep.schedule()).code == reasons.CONSENT_REQUIRED


def test_a_handover_cannot_be_executed_before_acceptance() -> None:
    """Scheduled but not accepted: ExecuteHandover is not_accepted."""
    case = _ready()
    case.do(rep.schedule())
    assert case.reject(rep.execute()).code == reasons.NOT_ACCEPTED


def test_a_handover_is_executed_once_scheduled() -> None:
    """Accepted but not scheduled: not_scheduled."""
    assert _accepted().reject(rep.execute()).code == reasons.NOT_SCHEDULED


def test_the_scheduled_time_is_not_before_the_report() -> None:
    """scheduled_for before the report's own time is invalid_time."""
    assert _accepted().reject(rep.schedule(scheduled_for="2026-11-22T09:00:00+07:00")).code == reasons.INVALID_TIME


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"receiving_officers": []}, "receiving_officers"),
        ({"handing_officers": [{"unit": CN, "officer": "Capt Li"}]}, "handing_officers[0].unit"),
        ({"persons": [], "belongings": []}, "persons"),
    ],
)
def test_the_receipt_names_the_officers_of_both_sides_and_what_was_handed(
    overrides: dict[str, Any], field: str
) -> None:
    """No receiving officer, a handing officer of the wrong side, nothing handed: receipt_incomplete."""
    case = _accepted()
    case.do(rep.schedule())
    no = case.reject(rep.execute(**overrides))
    assert (no.code, no.message.startswith(field)) == (reasons.RECEIPT_INCOMPLETE, True)


def test_the_receipt_lists_only_the_handovers_persons() -> None:
    """A person not in the proposal on the receipt is unknown_subject."""
    case = _accepted()
    case.do(rep.schedule())
    assert case.reject(rep.execute(persons=[subject("stranger")])).code == reasons.UNKNOWN_SUBJECT


def test_completion_follows_execution_and_execution_cannot_be_undone() -> None:
    """Completing before execution is not_executed; aborting or rescheduling after it is already_executed."""
    case = _accepted()
    case.do(rep.schedule())
    assert case.reject(rep.complete()).code == reasons.NOT_EXECUTED
    case.do(rep.execute())
    assert case.reject(rep.abort()).code == reasons.ALREADY_EXECUTED
    assert case.reject(rep.schedule()).code == reasons.ALREADY_EXECUTED


def test_an_aborted_handover_takes_nothing_more() -> None:
    """After AbortHandover every report is case_closed."""
    case = _proposed()
    case.do(rep.abort())
    assert case.reject(rep.verify()).code == reasons.CASE_CLOSED


def test_a_victims_objection_blocks_every_cross_border_step() -> None:
    """With an objection to notifying the other side, accept, reject, schedule and execute are victim_objection."""
    case = _ready()
    case.do(rep.consent(VICTIM, decision="objects_to_notification"))
    for body in (rep.accept(), rep.reject(), rep.schedule()):
        no = case.reject(body)
        assert (no.code, VICTIM in no.message) == (reasons.VICTIM_OBJECTION, True)


def test_an_objection_after_acceptance_blocks_execution() -> None:
    """An objection recorded after acceptance and scheduling still blocks ExecuteHandover."""
    case = _accepted()
    case.do(rep.schedule())
    case.do(rep.consent(VICTIM, decision="objects_to_notification"))
    assert case.reject(rep.execute()).code == reasons.VICTIM_OBJECTION


def test_an_authorised_override_lifts_an_objection() -> None:
    """RecordConsent with a complete, authorised override lets the handover proceed."""
    case = _ready()
    case.do(rep.consent(VICTIM, decision="objects_to_notification"))
    [recorded] = case.do(rep.consent(VICTIM, decision="objects_to_notification", override=rep.override()))
    assert isinstance(recorded, ConsentRecorded)
    assert recorded.override is not None
    assert recorded.override.authorised_role == "station_commander"
    [accepted] = case.do(rep.accept())
    assert isinstance(accepted, HandoverAccepted)


@pytest.mark.parametrize("missing", ["reason", "authorised_role", "authorised_by"])
def test_an_override_needs_a_reason_a_role_and_the_authorising_officer(missing: str) -> None:
    """An override without one of its parts is override_incomplete naming that field."""
    body = rep.consent(VICTIM, decision="refused", override=rep.override(**{missing: None}))
    body["override"] = {k: v for k, v in body["override"].items() if v is not None}
    no = _proposed().reject(body)
    assert (no.code, no.message.startswith(f"override.{missing}")) == (reasons.OVERRIDE_INCOMPLETE, True)


def test_an_override_needs_a_role_the_policy_authorises() -> None:
    """A role not in policy.override_roles is override_not_authorised."""
    body = rep.consent(VICTIM, decision="refused", override=rep.override(authorised_role="duty_officer"))
    assert _proposed().reject(body).code == reasons.OVERRIDE_NOT_AUTHORISED


def test_the_acceptance_deadline_comes_from_the_policy() -> None:
    """accept_by is the decision instant plus policy.accept_within."""
    policy = msgspec.structs.replace(default_policy(), accept_within=timedelta(hours=12))
    case = Case(policy)
    [event] = case.do(rep.propose())
    assert isinstance(event, HandoverProposed)
    assert event.accept_by == NOW + timedelta(hours=12)


def test_a_handover_report_on_an_incident_case_is_the_wrong_kind() -> None:
    """AcceptHandover sent to an incident case is wrong_case_kind."""
    case = Case()
    case.do(incident_reports.raise_incident())
    assert case.reject(rep.accept()).code == reasons.WRONG_CASE_KIND

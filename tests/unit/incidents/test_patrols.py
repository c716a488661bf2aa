"""Patrol and meeting cases: windows, rotation, sections from configuration, officers, minutes in both languages."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from services.incidents.domain import MeetingState, PatrolState, default_policy, reasons
from services.incidents.domain.policy import PatrolSection
from shared.events import MinutesSigned, PatrolRecorded, PatrolScheduled
from shared.events.border import MarkerRange
from tests.unit.incidents import patrol_reports as rep
from tests.unit.incidents.reports import CN, CN_MZ, CN_OTHER, VN, VN_OTHER, Case


def _scheduled(body: dict[str, Any] | None = None) -> Case:
    case = Case()
    case.do(body or rep.bilateral())
    return case


def test_a_monthly_joint_patrol_in_the_window_is_scheduled() -> None:
    """16-17 November, Vietnam hosting in an even month since the rotation start: PT case, all agreement units."""
    case = Case()
    [event] = case.do(rep.joint())
    assert isinstance(event, PatrolScheduled)
    assert event.case_id.startswith("PT-")
    assert (event.period, event.window_timezone, event.host_country) == ("2026-11", "Asia/Ho_Chi_Minh", "VN")
    assert event.participants == tuple(sorted((VN_OTHER, CN_OTHER, CN)))


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        ("2026-11-14T07:00:00+07:00", "2026-11-16T17:00:00+07:00"),
        ("2026-11-24T07:00:00+07:00", "2026-11-26T17:00:00+07:00"),
        ("2026-11-25T23:30:00+07:00", "2026-11-26T00:30:00+07:00"),
    ],
    ids=["starts-14th", "ends-26th", "ends-after-midnight"],
)
def test_monthly_joint_patrols_run_from_the_15th_to_the_25th(starts: str, ends: str) -> None:
    """A joint patrol starting before the 15th or ending after the 25th is outside_window."""
    no = Case().reject(rep.joint(starts_at=starts, ends_at=ends))
    assert no.code == reasons.OUTSIDE_WINDOW


def test_the_window_is_counted_in_the_agreements_named_timezone() -> None:
    """Hekou's 26 November 00:30 (+08:00) is still the 25th in Vietnam time, the agreement's: inside; 01:30 is not."""
    inside = rep.joint(unit=CN, starts_at="2026-11-25T08:00:00+08:00", ends_at="2026-11-26T00:30:00+08:00")
    [event] = Case().do(inside)
    assert isinstance(event, PatrolScheduled)
    outside = rep.joint(unit=CN, starts_at="2026-11-25T08:00:00+08:00", ends_at="2026-11-26T01:30:00+08:00")
    assert Case().reject(outside).code == reasons.OUTSIDE_WINDOW


def test_the_host_side_goes_by_rotation() -> None:
    """November 2026 is Vietnam's turn (China hosting is wrong_host); December is China's."""
    no = Case().reject(rep.joint(host_unit=CN_OTHER))
    assert (no.code, "VN" in no.message) == (reasons.WRONG_HOST, True)
    december = rep.joint(host_unit=CN, starts_at="2026-12-16T07:00:00+07:00", ends_at="2026-12-17T17:00:00+07:00")
    [event] = Case().do(december)
    assert isinstance(event, PatrolScheduled)
    assert event.host_country == "CN"
    assert Case().reject(rep.bilateral(host_unit=VN_OTHER)).code == reasons.WRONG_HOST


def test_only_units_of_the_agreement_schedule_its_patrols() -> None:
    """A unit outside the agreement scheduling, or named host, is not_party; an unknown agreement is refused."""
    assert Case().reject(rep.joint(unit=VN, at="2026-11-23T09:20:00+07:00")).code == reasons.NOT_PARTY
    assert Case().reject(rep.joint(host_unit=CN_MZ)).code == reasons.NOT_PARTY
    assert Case().reject(rep.joint(agreement="NOPE")).code == reasons.UNKNOWN_AGREEMENT
    assert Case().reject(rep.joint(kind="bilateral_quarterly", sections=["LC-MT-01"])).code == reasons.UNKNOWN_AGREEMENT


def test_a_bilateral_patrol_covers_configured_sections() -> None:
    """Sections 3-4 of Lao Cai–Mong Tu span markers 101 to 116; an unknown section is unknown_section."""
    [event] = Case().do(rep.bilateral())
    assert isinstance(event, PatrolScheduled)
    assert (event.period, event.host_country) == ("2026-Q4", "CN")
    assert event.markers == MarkerRange(first="101", last="116")
    assert Case().reject(rep.bilateral(sections=["LC-MT-12"])).code == reasons.UNKNOWN_SECTION
    assert Case().reject(rep.bilateral(sections=[])).code == reasons.UNKNOWN_SECTION


def test_a_bilateral_marker_range_lies_inside_its_sections() -> None:
    """Markers 101-110 fit sections 3-4; 101-120 or 84-90 do not: marker_out_of_range."""
    ok = rep.bilateral(markers={"first": "101", "last": "104(2)"})
    [event] = Case().do(ok)
    assert isinstance(event, PatrolScheduled)
    assert event.markers == MarkerRange(first="101", last="104(2)")
    for first, last in (("101", "120"), ("84", "90"), ("110", "101")):
        no = Case().reject(rep.bilateral(markers={"first": first, "last": last}))
        assert no.code == reasons.MARKER_OUT_OF_RANGE


def test_sections_come_from_the_policy_not_constants() -> None:
    """A policy whose only section is LC-MT-X (markers 200-210) accepts that section and refuses LC-MT-03."""
    policy = default_policy()
    agreement = policy.agreements[0]
    assert agreement.bilateral_quarterly is not None
    rule = msgspec.structs.replace(
        agreement.bilateral_quarterly, sections=(PatrolSection(code="LC-MT-X", first="200", last="210"),)
    )
    custom = msgspec.structs.replace(
        policy, agreements=(msgspec.structs.replace(agreement, bilateral_quarterly=rule), *policy.agreements[1:])
    )
    [event] = Case(custom).do(rep.bilateral(sections=["LC-MT-X"]))
    assert isinstance(event, PatrolScheduled)
    assert event.markers == MarkerRange(first="200", last="210")
    assert Case(custom).reject(rep.bilateral()).code == reasons.UNKNOWN_SECTION


def test_a_bilateral_patrol_stays_in_one_quarter() -> None:
    """Ending in the next quarter is outside_window."""
    body = rep.bilateral(starts_at="2026-12-31T07:00:00+07:00", ends_at="2027-01-01T17:00:00+07:00")
    assert Case().reject(body).code == reasons.OUTSIDE_WINDOW


def test_recording_a_patrol_keeps_its_findings_and_officers() -> None:
    """RecordPatrol on the scheduled case records sections, markers, officers of both sides and findings."""
    case = _scheduled()
    [event] = case.do(rep.record_patrol())
    assert isinstance(event, PatrolRecorded)
    assert event.markers == ("101", "103", "104(2)")
    assert [f.marker for f in event.findings] == ["103"]
    assert event.participants == (CN_MZ, VN_OTHER)
    assert isinstance(case.state, PatrolState)
    assert case.state.recorded


def test_a_patrol_is_recorded_with_officers_of_both_sides() -> None:
    """Only Vietnamese officers is officers_incomplete; an officer of a unit outside the patrol is not_party."""
    case = _scheduled()
    no = case.reject(rep.record_patrol(officers=[{"unit": VN_OTHER, "officer": "Maj Tran"}]))
    assert (no.code, "CN" in no.message) == (reasons.OFFICERS_INCOMPLETE, True)
    stranger = [{"unit": VN_OTHER, "officer": "Maj Tran"}, {"unit": CN, "officer": "Capt Li"}]
    assert case.reject(rep.record_patrol(officers=stranger)).code == reasons.NOT_PARTY


def test_recorded_markers_and_sections_lie_within_the_patrol() -> None:
    """A marker outside 101-116, a finding's too, or a section not scheduled is refused."""
    case = _scheduled()
    assert case.reject(rep.record_patrol(markers=["130"])).code == reasons.MARKER_OUT_OF_RANGE
    assert case.reject(rep.record_patrol(findings=[rep.finding(marker="90")])).code == reasons.MARKER_OUT_OF_RANGE
    assert case.reject(rep.record_patrol(sections=["LC-MT-05"])).code == reasons.UNKNOWN_SECTION


@pytest.mark.parametrize("missing", ["category", "impact", "marker"])
def test_a_finding_that_raises_an_incident_says_what_and_where(missing: str) -> None:
    """raise_incident without category, impact or marker is invalid_finding naming the field."""
    no = _scheduled().reject(rep.record_patrol(findings=[rep.finding(**{missing: None})]))
    assert (no.code, f"findings[0].{missing}" in no.message) == (reasons.INVALID_FINDING, True)


def test_a_patrol_is_recorded_once_and_after_it_ended() -> None:
    """A second record is already_recorded; a patrol ending after the report's time is invalid_time."""
    case = _scheduled()
    assert case.reject(rep.record_patrol(ended_at="2026-11-24T16:30:00+07:00")).code == reasons.INVALID_TIME
    case.do(rep.record_patrol())
    assert case.reject(rep.record_patrol()).code == reasons.ALREADY_RECORDED


def test_a_meeting_opens_a_case_and_minutes_signed_by_both_sides_close_it() -> None:
    """RecordMeeting opens MT-..., SignMinutes records both authentic texts and the signatories."""
    case = Case()
    case.do(rep.meeting())
    assert case.case_id.startswith("MT-")
    [signed] = case.do(rep.sign())
    assert isinstance(signed, MinutesSigned)
    assert (signed.minutes.vi, signed.minutes.zh, signed.authentic) == ("Biên bản hội đàm", "会谈纪要", ("vi", "zh"))
    assert isinstance(case.state, MeetingState)
    assert case.state.signed
    assert case.reject(rep.sign()).code == reasons.ALREADY_SIGNED


def test_a_meeting_is_across_the_border() -> None:
    """A meeting with only units of the sender's country is invalid_party."""
    assert Case().reject(rep.meeting(participants=[VN_OTHER])).code == reasons.INVALID_PARTY


@pytest.mark.parametrize("language", ["vi", "zh"])
def test_minutes_are_signed_in_both_languages(language: str) -> None:
    """Minutes missing the Vietnamese or the Chinese text are minutes_incomplete naming it."""
    minutes = {"original": "vi", "vi": "Biên bản", "zh": "纪要"}
    del minutes[language]
    case = Case()
    case.do(rep.meeting())
    if language == "vi":
        minutes["original"] = "zh"
    no = case.reject(rep.sign(minutes=minutes))
    assert (no.code, no.message.startswith(f"minutes.{language}")) == (reasons.MINUTES_INCOMPLETE, True)


def test_minutes_are_signed_by_both_sides() -> None:
    """Signatories of one side only are signatories_incomplete."""
    case = Case()
    case.do(rep.meeting())
    no = case.reject(rep.sign(signatories=[{"unit": VN, "officer": "Lt Col Vu"}]))
    assert no.code == reasons.SIGNATORIES_INCOMPLETE

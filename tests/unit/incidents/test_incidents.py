"""Incident cases: what each report records, and every rule that rejects one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from services.incidents.domain import IncidentState, case_id_of, default_policy, reasons
from shared.events import IncidentAcknowledged, IncidentClosed, IncidentRaised, Instant
from shared.events.ids import case_id_for, event_id
from tests.unit.incidents import incident_reports as rep
from tests.unit.incidents.reports import CN, CN_OTHER, NOW, VN, VN_OTHER, Case, command


def _raised(**overrides: object) -> Case:
    case = Case()
    case.do(rep.raise_incident(**overrides))
    return case


def test_raise_opens_a_case_with_a_derived_id_and_every_field() -> None:
    """RaiseIncident without case_id opens IN-<hash of command id> at version 1, envelope and deadline filled."""
    case = Case()
    [event] = case.do(rep.raise_incident(command_id="cmd-raise", handling="H2", correlation_id="thread-1"))
    assert isinstance(event, IncidentRaised)
    assert (
        event.case_id
        == case_id_for("cmd-raise", prefix="IN")
        == case_id_of(command(rep.raise_incident(command_id="cmd-raise")))
    )
    assert (event.case_version, event.event_id) == (1, event_id(NOW, "cmd-raise", 0))
    assert event.occurred_at == Instant(
        utc=datetime(2026, 11, 23, 2, 20, tzinfo=UTC), offset="+07:00", text="2026-11-23T09:20:00+07:00"
    )
    assert (event.handling, event.correlation_id, event.causation_id) == ("H2", "thread-1", "cmd-raise")
    assert event.parties == tuple(sorted({VN, CN, VN_OTHER}))
    assert event.location.marker == "104(2)"
    assert event.acknowledge_by == event.occurred_at.utc + timedelta(hours=24)  # from the report's time
    assert (event.category, event.impact, event.reliability, event.accuracy) == ("person_crossing", "medium", "B", 2)


def test_the_acknowledgement_deadline_comes_from_the_policy() -> None:
    """A policy with a 6-hour acknowledgement deadline writes the report's time + 6 h into the event."""
    case = Case(msgspec.structs.replace(default_policy(), acknowledge_within=timedelta(hours=6)))
    [event] = case.do(rep.raise_incident())
    assert isinstance(event, IncidentRaised)
    assert event.acknowledge_by == datetime(2026, 11, 23, 2, 20, tzinfo=UTC) + timedelta(hours=6)


@pytest.mark.parametrize("marker", ["104(2)", "85", "1116(12)"])
def test_markers_and_sub_markers_are_accepted(marker: str) -> None:
    """Border markers are numbers with an optional bracketed sub-marker."""
    [event] = Case().do(rep.raise_incident(location={"marker": marker}))
    assert isinstance(event, IncidentRaised)
    assert event.location.marker == marker


@pytest.mark.parametrize("marker", ["104-2", "Mốc 104", "0", "104()", "104(2"])
def test_a_malformed_marker_is_refused_at_decoding_naming_the_field(marker: str) -> None:
    """A marker that is not N or N(M) fails to decode, and the error names location.marker."""
    with pytest.raises(msgspec.ValidationError, match=r"location\.marker"):
        command(rep.raise_incident(command_id="c", location={"marker": marker}))


def test_a_location_needs_a_marker_section_gate_or_coordinates() -> None:
    """A location with only a description is location_missing."""
    no = Case().reject(rep.raise_incident(location={"description": {"original": "vi", "vi": "gần suối"}}))
    assert no.code == reasons.LOCATION_MISSING
    assert "location" in no.message


def test_coordinates_alone_locate_an_incident() -> None:
    """Coordinates are enough."""
    [event] = Case().do(rep.raise_incident(location={"coordinates": {"lat": 22.5, "lon": 103.96}}))
    assert isinstance(event, IncidentRaised)


def test_an_incident_needs_a_party_across_the_border() -> None:
    """Parties of the raiser's own country only are invalid_party."""
    no = Case().reject(rep.raise_incident(parties=[VN_OTHER]))
    assert (no.code, "parties" in no.message) == (reasons.INVALID_PARTY, True)


def test_an_unknown_party_unit_is_refused() -> None:
    """An unregistered unit among the parties is unknown_unit naming its index."""
    no = Case().reject(rep.raise_incident(parties=[CN, "CN-NOPE"]))
    assert (no.code, "parties[1]" in no.message) == (reasons.UNKNOWN_UNIT, True)


def test_times_must_carry_the_units_offset() -> None:
    """A Vietnamese unit giving happened_at in +08:00 is wrong_offset naming the field."""
    no = Case().reject(rep.raise_incident(happened_at="2026-11-23T09:40:00+08:00"))
    assert (no.code, no.message.startswith("happened_at")) == (reasons.WRONG_OFFSET, True)


def test_a_chinese_unit_reports_in_its_own_clock() -> None:
    """The same rule for China: +07:00 from Hekou is wrong_offset; +08:00 is accepted."""
    case = _raised()
    assert case.reject(rep.acknowledge(at="2026-11-23T09:25:00+07:00")).code == reasons.WRONG_OFFSET
    [ack] = case.do(rep.acknowledge())
    assert isinstance(ack, IncidentAcknowledged)
    assert ack.acknowledged_at.offset == "+08:00"


def test_an_incident_cannot_be_reported_before_it_happened() -> None:
    """happened_at after the report's own time is invalid_time."""
    no = Case().reject(rep.raise_incident(happened_at="2026-11-23T10:00:00+07:00"))
    assert no.code == reasons.INVALID_TIME


def test_summary_must_hold_its_original_language() -> None:
    """A summary marked Vietnamese without Vietnamese text is invalid_text."""
    no = Case().reject(rep.raise_incident(summary={"original": "vi", "zh": "只有中文"}))
    assert (no.code, no.message.startswith("summary")) == (reasons.INVALID_TEXT, True)


def test_acknowledgement_is_by_a_unit_of_the_other_country() -> None:
    """A Vietnamese party acknowledging a Vietnamese unit's incident is same_side; Hekou's is accepted."""
    case = _raised()
    assert case.reject(rep.acknowledge(unit=VN_OTHER, at="2026-11-23T09:30:00+07:00")).code == reasons.SAME_SIDE
    case.do(rep.acknowledge())
    assert isinstance(case.state, IncidentState)
    assert case.state.acknowledged_by == CN


def test_acknowledgement_happens_once() -> None:
    """A second acknowledgement is already_acknowledged."""
    case = _raised()
    case.do(rep.acknowledge())
    assert case.reject(rep.acknowledge()).code == reasons.ALREADY_ACKNOWLEDGED


def test_only_parties_write_to_a_case() -> None:
    """A Chinese unit not party to the incident cannot acknowledge, update or respond: it is answered unknown_case,
    naming none of the parties (need-to-know)."""
    case = _raised()
    for body in (rep.acknowledge(unit=CN_OTHER), rep.respond(unit=CN_OTHER)):
        no = case.reject(body)
        assert no.code == reasons.UNKNOWN_CASE
        assert not any(party in no.message for party in case.state.parties)


def test_a_report_on_an_existing_case_needs_its_id() -> None:
    """AcknowledgeIncident naming no case, or a case that does not exist, is unknown_case."""
    assert Case().reject(rep.acknowledge()).code == reasons.UNKNOWN_CASE
    assert Case().reject(rep.acknowledge(case_id="IN-NOSUCHCASE00")).code == reasons.UNKNOWN_CASE


def test_an_opening_report_cannot_name_an_existing_case() -> None:
    """RaiseIncident naming an existing incident case is case_exists."""
    case = _raised()
    assert case.reject(rep.raise_incident(case_id=case.case_id)).code == reasons.CASE_EXISTS


def test_update_respond_and_link_advance_the_case() -> None:
    """Either party updates and responds; links are kept in the state."""
    case = _raised()
    case.do(rep.update())
    case.do(rep.respond())
    case.do(rep.link())
    assert isinstance(case.state, IncidentState)
    assert (case.state.version, case.state.links) == (4, frozenset({"HL-ABCDEFGHIJKL"}))


def test_a_case_cannot_be_linked_to_itself() -> None:
    """LinkCases naming the case itself is invalid_link."""
    case = _raised()
    assert case.reject(rep.link(cases=[case.case_id])).code == reasons.INVALID_LINK


def test_nothing_is_written_after_close() -> None:
    """After CloseIncident, update, response, link, acknowledgement and a second close are case_closed."""
    case = _raised()
    [closed] = case.do(rep.close())
    assert isinstance(closed, IncidentClosed)
    for body in (rep.update(), rep.respond(), rep.link(), rep.acknowledge(), rep.close()):
        assert case.reject(body).code == reasons.CASE_CLOSED


@pytest.mark.parametrize(
    ("fields", "missing"),
    [({"reason": "transferred"}, "transferred_to"), ({"reason": "duplicate"}, "duplicate_of")],
)
def test_closing_as_transferred_or_duplicate_says_where(fields: dict[str, str], missing: str) -> None:
    """transferred needs transferred_to, duplicate needs duplicate_of: invalid_close naming the field."""
    no = _raised().reject(rep.close(**fields))
    assert (no.code, no.message.startswith(missing)) == (reasons.INVALID_CLOSE, True)


def test_closing_as_duplicate_of_another_case_is_accepted() -> None:
    """reason duplicate with duplicate_of another case closes the incident."""
    case = _raised()
    [closed] = case.do(rep.close(reason="duplicate", duplicate_of="IN-OTHERCASE000"))
    assert isinstance(closed, IncidentClosed)
    assert closed.duplicate_of == "IN-OTHERCASE000"


def test_unknown_fields_in_a_report_are_refused() -> None:
    """A misspelt field fails to decode (commands forbid unknown fields), naming it."""
    with pytest.raises(msgspec.ValidationError, match="impcat"):
        command(rep.raise_incident(command_id="c", impcat="high"))


def test_decide_is_pure_and_reproducible() -> None:
    """The same report on the same state at the same instant gives equal events, ids included."""
    one, two = Case(), Case()
    assert one.do(rep.raise_incident()) == two.do(rep.raise_incident())

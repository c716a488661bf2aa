"""``liaison example`` for every incidents report type: decodes as the intake does, and decide accepts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from liaison.report.examples import EXAMPLES, example
from liaison.report.examples.incidents import INCIDENT_EXAMPLES, SUBJECT_PLACEHOLDER, next_joint_window
from liaison.report.types import SERVICE_OF
from services.incidents.domain import COMMAND_TYPES, OPENS_CASE, NewCase, case_id_of, decide, default_policy, fold
from services.incidents.domain.commands import AnyCommand
from services.incidents.domain.state import CaseState
from shared.events import AnyEvent

_decoder = msgspec.json.Decoder(AnyCommand)
NOW = datetime.now(UTC)
MOMENTS = [NOW, datetime(2026, 1, 3, 20, 0, tzinfo=UTC), datetime(2026, 6, 14, 17, 30, tzinfo=UTC),
           datetime(2026, 6, 15, 0, 0, tzinfo=UTC), datetime(2027, 12, 24, 23, 0, tzinfo=UTC)]
"""Today, and awkward days: a window about to open on the Vietnamese clock, one just open, one across a new year."""


def _decode(report: dict[str, Any]) -> AnyCommand:
    command: AnyCommand = _decoder.decode(msgspec.json.encode(report))
    return command


def test_every_incidents_report_type_has_an_example() -> None:
    """The examples cover exactly the incidents service's report types, all listed by ``liaison example``."""
    assert set(INCIDENT_EXAMPLES) == set(COMMAND_TYPES)
    assert set(INCIDENT_EXAMPLES) <= set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(INCIDENT_EXAMPLES))
def test_each_example_decodes_as_its_report_type(kind: str) -> None:
    """Each example decodes against the incidents command union as the type it names, with a fresh command id."""
    first, second = example(kind), example(kind)
    assert type(_decode(first)).__name__ == kind
    assert first["command_id"] != second["command_id"]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.strftime("%Y-%m-%dT%H"))
@pytest.mark.parametrize("kind", sorted(OPENS_CASE))
def test_opening_examples_are_accepted_on_an_empty_store(kind: str, moment: datetime) -> None:
    """Each report that opens a case is accepted as it is, on an empty state with the default policy, any day."""
    command = _decode(example(kind, moment))
    case_id = case_id_of(command)
    assert case_id is not None
    events = decide(command, NewCase(case_id=case_id), moment, default_policy())
    assert events
    assert events[0].case_id == case_id


def test_the_joint_patrol_falls_in_the_next_window_hosted_in_turn() -> None:
    """Before the 15th the window of this month; from the 15th next month's; the host alternates month by month."""
    start, host = next_joint_window(datetime(2026, 3, 14, 16, 0, tzinfo=UTC))  # 23:00 on the 14th in Lao Cai
    assert (start.isoformat(), host) == ("2026-03-16T07:00:00+07:00", "VN-LC-BGC")
    start, host = next_joint_window(datetime(2026, 3, 14, 17, 0, tzinfo=UTC))  # already the 15th in Lao Cai
    assert (start.isoformat(), host) == ("2026-04-16T07:00:00+07:00", "CN-HH-BMT")


class _Chain:
    """Decides examples one after the other on one case, replacing the placeholders with the real ids."""

    def __init__(self, opening: str) -> None:
        self.now = NOW
        command = _decode(example(opening, self.now))
        self.case_id = case_id_of(command) or ""
        self.state: CaseState = NewCase(case_id=self.case_id)
        self.subject = ""
        self.events: list[AnyEvent] = []
        self._decide(command)
        persons = getattr(command, "persons", ())
        if persons and not isinstance(persons[0], str):
            self.subject = persons[0].subject_id

    def _decide(self, command: AnyCommand) -> None:
        events = decide(command, self.state, self.now, default_policy())
        self.state = fold(self.case_id, events, self.state)
        self.events += events

    def then(self, kind: str) -> None:
        self.now += timedelta(minutes=5)
        raw = msgspec.json.encode(example(kind, self.now)).decode()
        for placeholder in ("IN-REPLACEME", "HO-REPLACEME", "PT-REPLACEME", "MT-REPLACEME"):
            raw = raw.replace(f'"{placeholder}"', f'"{self.case_id}"')
        self._decide(_decode(msgspec.json.decode(raw.replace(SUBJECT_PLACEHOLDER, self.subject))))


@pytest.mark.parametrize(
    ("opening", "steps"),
    [
        ("RaiseIncident", ["AcknowledgeIncident", "UpdateIncident", "RecordResponse", "LinkCases", "CloseIncident"]),
        ("ProposeHandover", ["RecordNationalityVerification", "RecordRiskAssessment", "RecordConsent",
                             "AcceptHandover", "ScheduleHandover", "ExecuteHandover", "CompleteHandover"]),
        ("ProposeHandover", ["RejectHandover"]),
        ("ProposeHandover", ["AbortHandover"]),
        ("SchedulePatrol", ["RecordPatrol"]),
        ("RecordMeeting", ["SignMinutes"]),
    ],
)
def test_follow_up_examples_are_accepted_in_order_once_their_ids_are_filled_in(opening: str, steps: list[str]) -> None:
    """With the case id (and subject id) filled in, each follow-up example is accepted in its natural order."""
    chain = _Chain(opening)
    for kind in steps:
        chain.then(kind)
    assert len(chain.events) == len(steps) + 1


def test_every_report_type_of_every_service_has_an_example_in_the_unions_order() -> None:
    """``liaison example --list`` lists exactly the report types derived from the command unions."""
    assert list(EXAMPLES) == list(SERVICE_OF)

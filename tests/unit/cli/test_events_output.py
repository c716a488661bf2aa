"""``liaison events`` for people: each event on both sides' clocks to the second, with the id obligations name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liaison.cli import main
from liaison.read.views import print_events
from services.hotline.domain import CaseState, decide
from tests.unit.hotline.reports import command, log_call


def test_each_event_shows_both_clocks_to_the_second_and_its_event_id(capsys: pytest.CaptureFixture[str]) -> None:
    """A call typed at 09:20:00 in Lao Cai (+07:00) shows as VN 09:20:00 and CN 10:20:00, and its event id."""
    [call] = decide(command(log_call("out-1", case_id="HL-OUT")), CaseState(case_id="HL-OUT"),
                    datetime(2026, 11, 23, 2, 30, tzinfo=UTC))
    print_events([call])
    out = capsys.readouterr().out
    assert "VN 2026-11-23 09:20:00 / CN 2026-11-23 10:20:00" in out
    assert f"event_id: {call.event_id}" in out


def test_help_handling_explains_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    """`liaison help handling` names H0 to H3 and who may see each, the rule the read model enforces."""
    with pytest.raises(SystemExit) as exited:
        main(["help", "handling"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    for code in ("H0", "H1", "H2", "H3"):
        assert code in out
    assert "only the unit that recorded it" in out

"""Reading intake entries and the hotline's settings, without Redis."""

from __future__ import annotations

import msgspec
import pytest

from services.hotline.config import from_env
from services.hotline.intake import MAX_REPORT_BYTES, Malformed, Report, dead_letter_fields, read_entry
from shared.events.ids import case_id_for
from shared.settings import SettingsError
from tests.unit.hotline.reports import log_call


def test_a_report_entry_decodes_with_its_case() -> None:
    """A documented entry gives the command and the case it opens (derived from command_id)."""
    item = read_entry(b"1-0", {b"report": msgspec.json.encode(log_call("cmd-1"))})
    assert isinstance(item, Report)
    assert (item.command_id, item.case_id) == ("cmd-1", case_id_for("cmd-1"))


@pytest.mark.parametrize(
    ("raw", "reason", "command_id"),
    [
        (b"", "report is not valid JSON", None),
        (b"[1, 2]", "invalid report: Expected `object`, got `array`", None),
        (b'{"type": "LogCall", "command_id": "c-9"}', "invalid report: Object missing required field", "c-9"),
        (b"x" * (MAX_REPORT_BYTES + 1), f"report is {MAX_REPORT_BYTES + 1} bytes", None),
    ],
)
def test_unreadable_reports_say_why(raw: bytes, reason: str, command_id: str | None) -> None:
    """Each kind of unreadable report is Malformed with a reason, keeping a command id that could be read."""
    item = read_entry(b"1-0", {b"report": raw})
    assert isinstance(item, Malformed)
    assert item.reason.startswith(reason)
    assert item.command_id == command_id


def test_an_unknown_field_is_refused_by_name() -> None:
    """A misspelt field is not dropped silently: the report is malformed, naming the field."""
    item = read_entry(b"1-0", {b"report": msgspec.json.encode(log_call(urgnet=True))})
    assert isinstance(item, Malformed)
    assert "urgnet" in item.reason


def test_dead_letter_keeps_every_original_byte() -> None:
    """The dead letter carries the reason, the entry id and each original field unchanged."""
    item = read_entry(b"7-1", {b"report": b"\xff", b"trace": b"\x00\x01"})
    assert isinstance(item, Malformed)
    fields = dead_letter_fields("liaison:intake:hotline", item, item.reason)
    assert fields["entry_id"] == "7-1"
    assert fields["original"] == b"\xff"
    assert fields["original.trace"] == b"\x00\x01"
    assert fields["reason"] == item.reason


def test_settings_come_from_the_environment() -> None:
    """LIAISON_* variables set the Redis URL, the consumer and the reclaim idle time; no Redis -> None."""
    config = from_env({"LIAISON_REDIS_URL": "redis://h:1", "LIAISON_CONSUMER": "c1", "LIAISON_RECLAIM_IDLE_MS": "250"})
    assert config is not None
    assert (config.redis_url, config.consumer, config.reclaim_idle_ms) == ("redis://h:1", "c1", 250)
    assert config.reclaim_every_s == 0.125
    assert from_env({"LIAISON_VAR": "/nonexistent/liaison-var"}) is None
    with pytest.raises(SettingsError, match="LIAISON_MAX_DELIVERIES"):
        from_env({"LIAISON_REDIS_URL": "redis://h:1", "LIAISON_MAX_DELIVERIES": "0"})

"""The command ids the incidents service derives for its own reports are refused at the HTTP door, and only those."""

from __future__ import annotations

import msgspec

from services.incidents.calls import LINK_PREFIX, incident_command_id
from services.incidents.domain.follow_ups import finding_command_id
from shared import reports
from tests.unit.hotline.reports import log_call


def _routed(command_id: str) -> reports.Routed | reports.Unroutable:
    return reports.route(msgspec.json.encode(log_call(command_id)))


def test_the_services_own_command_ids_are_refused_naming_the_field() -> None:
    """Each form the incidents service derives (an urgent call's incident and link, a patrol finding's incident)."""
    derived = [incident_command_id("HL-ABC"), f"{LINK_PREFIX}ev-1", finding_command_id("ev-2", 0)]
    for command_id in derived:
        routed = _routed(command_id)
        assert isinstance(routed, reports.Unroutable), command_id
        assert routed.reason.code == "reserved_command_id"
        assert routed.reason.message.startswith("command_id: ")


def test_ordinary_command_ids_pass() -> None:
    """Ids that merely contain the words are not refused."""
    for command_id in ("cmd-hotline-case", "lao-cai/2026/finding", "hotline-cases-1", "HL/finding/x"):
        assert isinstance(_routed(command_id), reports.Routed), command_id

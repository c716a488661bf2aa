"""Which links wait for their incident instead of being refused: only the service's own urgent-call links."""

from __future__ import annotations

from services.incidents.calls import LINK_PREFIX, awaited_opening, incident_case_of, incident_command_id
from services.incidents.domain.incident_commands import LinkCases
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import command

HOTLINE_CASE = "HL-ABCDEFGHIJKL"


def _link(**overrides: object) -> LinkCases:
    fields = {"command_id": f"{LINK_PREFIX}call-2", "case_id": incident_case_of(HOTLINE_CASE), "cases": [HOTLINE_CASE]}
    decoded = command(inc.link(**(fields | overrides)))
    assert isinstance(decoded, LinkCases)
    return decoded


def test_an_urgent_call_link_waits_for_the_raise_of_its_hotline_case() -> None:
    """The link of a later urgent call names the command id of the RaiseIncident sent before it."""
    assert awaited_opening(_link()) == incident_command_id(HOTLINE_CASE)


def test_other_links_do_not_wait() -> None:
    """A tool's link, a link to another incident, or one naming several cases is decided (and refused) at once."""
    assert awaited_opening(_link(command_id="officer-link-1")) is None
    assert awaited_opening(_link(case_id=incident_case_of("HL-OTHERCASE234"))) is None
    assert awaited_opening(_link(cases=[HOTLINE_CASE, "HL-OTHERCASE234"])) is None

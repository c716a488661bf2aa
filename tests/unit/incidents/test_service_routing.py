"""``shared.reports`` routes every incidents report type to the incidents intake."""

from __future__ import annotations

import msgspec

from services.incidents.domain import COMMAND_TYPES
from shared import reports


def test_the_routing_table_names_exactly_the_incidents_command_types() -> None:
    """The gateway's table (in shared) and the incidents service's own command types cannot drift apart."""
    incidents = {kind for kind, service in reports.SERVICE_OF.items() if service == "incidents"}
    assert incidents == set(COMMAND_TYPES)


def test_an_incident_report_goes_to_the_incidents_service() -> None:
    """A RaiseIncident is routed to ``incidents``, not to the hotline."""
    routed = reports.route(msgspec.json.encode({"type": "RaiseIncident", "command_id": "c-1"}))
    assert routed == reports.Routed("incidents", "c-1", "RaiseIncident")

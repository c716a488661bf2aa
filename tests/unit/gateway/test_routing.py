"""``shared.reports``: which service takes each report type, and what is refused before sending."""

from __future__ import annotations

import msgspec
import pytest

from services.hotline.domain.commands import COMMAND_TYPES as HOTLINE_TYPES
from services.incidents.domain.commands import COMMAND_TYPES as INCIDENTS_TYPES
from shared import reports


@pytest.mark.parametrize(("service", "types"), [("hotline", HOTLINE_TYPES), ("incidents", INCIDENTS_TYPES)])
def test_the_routing_table_names_exactly_each_services_command_types(service: str, types: dict[str, object]) -> None:
    """The table in shared (used by the gateway and the CLI) and each service's own command types cannot drift."""
    routed = {kind for kind, routed_to in reports.SERVICE_OF.items() if routed_to == service}
    assert routed == set(types)


def test_a_routable_report_goes_to_its_service() -> None:
    """A JSON object with a known type and a command id is routed with both."""
    routed = reports.route(msgspec.json.encode({"type": "SendLetter", "command_id": "c-1", "anything": 1}))
    assert routed == reports.Routed("hotline", "c-1", "SendLetter")


@pytest.mark.parametrize(
    ("raw", "code", "command_id"),
    [
        (b"\xff\xfe", reports.INVALID_JSON, None),
        (b'"a string"', reports.INVALID_JSON, None),
        (b'{"type": "LogCall", "command_id": ""}', reports.INVALID, None),
        (b'{"type": "LogCall", "command_id": 7}', reports.INVALID, None),
        (b'{"command_id": "c-2"}', reports.INVALID, "c-2"),
        (b'{"type": "Nope", "command_id": "c-3"}', reports.UNKNOWN_TYPE, "c-3"),
        (b"{" + b" " * reports.MAX_REPORT_BYTES + b"}", reports.TOO_LARGE, None),
    ],
)
def test_an_unroutable_report_is_refused_with_a_code(raw: bytes, code: str, command_id: str | None) -> None:
    """Each way a report cannot be routed has its own code, and keeps the command id when one was readable."""
    refused = reports.route(raw)
    assert isinstance(refused, reports.Unroutable)
    assert (refused.reason.code, refused.command_id) == (code, command_id)
    assert refused.reason.message

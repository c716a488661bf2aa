"""Routing a report to the service that handles it, and the checks made before it is sent there.

Tools (the CLI, the HTTP gateway) put a report on the intake stream of the service that handles
its ``type``. The table (``SERVICE_OF``) is derived from each service's own command union and
written out to ``shared/report_types.py`` by ``scripts/report_types.py``: no service may import
another, so the gateway cannot import the hotline to learn where a ``LogCall`` goes; a unit test
fails when the written table and the unions differ.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shared.outcomes import Reason
from shared.report_types import SERVICE_OF as SERVICE_OF

MAX_REPORT_BYTES = 64 * 1024
"""A report larger than this is refused before it reaches a service."""

MAX_COMMAND_ID = 128
"""The longest command id a service reads back from a report it cannot decode (intake.py)."""

TOO_LARGE = "too_large"
"""The report is over ``MAX_REPORT_BYTES``."""
INVALID_JSON = "invalid_json"
"""The report is not a JSON object."""
INVALID = "invalid"
"""``command_id`` or ``type`` is missing or not a string."""
UNKNOWN_TYPE = "unknown_type"
"""No service handles this report type."""
RESERVED_COMMAND_ID = "reserved_command_id"
"""A command id of the form the incidents service gives the reports it sends itself (see RESERVED)."""

RESERVED = re.compile(r"^hotline-(case|call):|/finding/[0-9]+$")
"""Command ids the incidents service derives for its own reports (services/incidents/calls.py: ``hotline-case:<case>``,
``hotline-call:<event>``; domain/follow_ups.py: ``<event>/finding/<n>``): a sender taking one first would claim it
(ADR 0008) and the service's own report would be refused, so the HTTP door refuses them."""

LOCAL_CODES = (TOO_LARGE, INVALID_JSON, INVALID, UNKNOWN_TYPE)
"""Reason codes a tool gives itself, before any service has seen the report."""


class Routed(msgspec.Struct, frozen=True):
    """A report that can be sent: the service whose intake takes it, and its command id and type."""

    service: str
    command_id: str
    type: str


class Unroutable(msgspec.Struct, frozen=True):
    """A report refused before sending: why, and its command id when one could be read."""

    reason: Reason
    command_id: str | None = None


def route(raw: bytes) -> Routed | Unroutable:
    """Where a report goes, or why it cannot be sent; never raises on bad input."""
    if len(raw) > MAX_REPORT_BYTES:
        return Unroutable(Reason(TOO_LARGE, f"report is {len(raw)} bytes; the limit is {MAX_REPORT_BYTES}"))
    try:
        report: Any = msgspec.json.decode(raw)
    except msgspec.DecodeError as err:
        return Unroutable(Reason(INVALID_JSON, f"not a JSON object: {err}"))
    except UnicodeDecodeError as err:  # msgspec raises this for invalid UTF-8 inside a JSON string
        return Unroutable(Reason(INVALID_JSON, f"not valid UTF-8 at byte {err.start}: a report is UTF-8 JSON"))
    if not isinstance(report, dict):
        return Unroutable(Reason(INVALID_JSON, "a report must be a JSON object"))
    command_id = report.get("command_id")
    if not isinstance(command_id, str) or not 0 < len(command_id) <= MAX_COMMAND_ID:
        return Unroutable(Reason(INVALID, f"command_id: required, a string of 1 to {MAX_COMMAND_ID} characters"))
    if RESERVED.search(command_id):
        return Unroutable(Reason(RESERVED_COMMAND_ID, f"command_id: {command_id!r} has the form of a command id the "
                                 "incidents service gives its own reports; choose another"), command_id)
    kind = report.get("type")
    if not isinstance(kind, str):
        return Unroutable(Reason(INVALID, "type: required, a string naming the report type"), command_id)
    service = SERVICE_OF.get(kind)
    if service is None:
        known = ", ".join(sorted(SERVICE_OF))
        return Unroutable(Reason(UNKNOWN_TYPE, f"type: unknown report type {kind!r}; known: {known}"), command_id)
    return Routed(service, command_id, kind)

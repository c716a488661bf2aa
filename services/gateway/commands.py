"""``POST /v1/commands``: one report in, its outcome out, with the contract's status codes.

The report is routed by its ``type`` to its service's intake stream (``shared.reports``), in the
documented entry format (``XADD liaison:intake:<service> * report <JSON>``), exactly as the CLI
sends it; the answer is the first outcome written for its command id. Sending a report again is
safe: the service records it once and answers with the same outcome.
"""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from aiohttp import web

from services.gateway.access import PRINCIPAL
from services.gateway.middleware import LOG_IDS
from services.gateway.replies import gateway, json_body, reason
from services.gateway.statuses import status_of
from shared import reports
from shared.access.signatures import GatewayPrincipal, principal_bytes, signed_entry
from shared.logging import bound
from shared.outcomes import outcome_decoder
from shared.store import keys

log = structlog.get_logger("gateway")

NO_OUTCOME = "no_outcome"
READY_WAIT_S = 2.0
"""How long a report waits for the outcome reader to take its starting position (just after start-up)."""


NOT_YOUR_UNIT = "not_your_unit"


class _Unit(msgspec.Struct):
    unit: Any = None


_unit = msgspec.json.Decoder(_Unit)


def _unit_of(body: bytes) -> Any:
    """The report's ``unit`` (routed reports are JSON objects; anything else is left to the service to refuse)."""
    try:
        return _unit.decode(body).unit
    except msgspec.DecodeError:
        return None


class _TooLarge(Exception):
    """The body is over the report size limit."""


async def _bounded_body(request: web.Request) -> bytes:
    """The request body, read no further than one byte past the limit."""
    declared = request.content_length
    if declared is not None and declared > reports.MAX_REPORT_BYTES:
        raise _TooLarge(f"report is {declared} bytes; the limit is {reports.MAX_REPORT_BYTES}")
    body = bytearray()
    async for chunk in request.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > reports.MAX_REPORT_BYTES:
            raise _TooLarge(f"report is over {reports.MAX_REPORT_BYTES} bytes, the limit")
    return bytes(body)


async def post_command(request: web.Request) -> web.Response:
    """Send one report to its service and answer with its outcome (200/422/409/403, 504 if none comes)."""
    gw = gateway(request)
    started = time.monotonic()
    try:
        body = await _bounded_body(request)
    except _TooLarge as err:
        gw.metrics.reports.labels(type="unroutable").inc()
        gw.metrics.outcomes.labels(status="rejected", code=reports.TOO_LARGE).inc()
        return reason(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, reports.TOO_LARGE, str(err))
    routed = reports.route(body)
    if isinstance(routed, reports.Unroutable):
        gw.metrics.reports.labels(type="unroutable").inc()
        gw.metrics.outcomes.labels(status="rejected", code=routed.reason.code).inc()
        extra = {} if routed.command_id is None else {"command_id": routed.command_id, "status": "rejected"}
        if routed.command_id is not None:
            request[LOG_IDS]["command_id"] = routed.command_id
        return reason(status_of("rejected", routed.reason.code), routed.reason.code, routed.reason.message, **extra)
    gw.metrics.reports.labels(type=routed.type).inc()
    request[LOG_IDS]["command_id"] = routed.command_id
    principal = request[PRINCIPAL]
    unit = _unit_of(body)
    if unit != principal.unit:  # a token speaks for its own unit only
        gw.metrics.outcomes.labels(status="rejected", code=NOT_YOUR_UNIT).inc()
        return reason(HTTPStatus.FORBIDDEN, NOT_YOUR_UNIT, f"unit: this token speaks for {principal.unit}, "
                      f"not {unit!r}", command_id=routed.command_id, status="rejected")
    with bound(command_id=routed.command_id):
        return await _send(request, routed, body, started)


async def _send(request: web.Request, routed: reports.Routed, body: bytes, started: float) -> web.Response:
    gw = gateway(request)
    try:
        await asyncio.wait_for(gw.waiter.ready.wait(), READY_WAIT_S)
    except TimeoutError:
        return reason(
            HTTPStatus.SERVICE_UNAVAILABLE, "redis_unavailable", "Redis has not answered yet; try again shortly",
            command_id=routed.command_id,
        )
    key = gw.config.signing_key
    if key is None:  # a gateway that cannot attest must not forward: the intake would refuse the report unsigned
        return reason(HTTPStatus.SERVICE_UNAVAILABLE, "no_signing_key", "this gateway has no signing key to attest "
                      "reports with (LIAISON_SIGNING_KEY); tell the operator", command_id=routed.command_id)
    principal = request[PRINCIPAL]
    attested = principal_bytes(GatewayPrincipal(token=principal.token_id, unit=principal.unit, role=principal.role))
    future = gw.waiter.expect(routed.command_id, by_entry=True)  # its own entry's outcome, no one else's
    try:
        intake = keys.intake(routed.service)
        entry_id = await gw.redis.xadd(intake, signed_entry(body, key, attested))  # type: ignore[arg-type]
        gw.waiter.bind(routed.command_id, future, intake, entry_id)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(future), gw.config.outcome_timeout_s)
        except TimeoutError:
            gw.metrics.outcomes.labels(status="unanswered", code=NO_OUTCOME).inc()
            log.warning("no_outcome", service=routed.service, waited_s=gw.config.outcome_timeout_s)
            return reason(
                HTTPStatus.GATEWAY_TIMEOUT,
                NO_OUTCOME,
                f"no outcome from the {routed.service} service within {gw.config.outcome_timeout_s:g} s: "
                "is it running? Sending the same report again is safe (it is recorded once)",
                command_id=routed.command_id,
                status="unanswered",
            )
    finally:
        gw.waiter.forget(routed.command_id, future)
    try:
        decoded = outcome_decoder.decode(outcome)
    except msgspec.DecodeError as err:
        # Something other than a service wrote this outcome entry: say so instead of guessing.
        log.error("unreadable_outcome", error=str(err))
        message = f"the outcome written for this report cannot be read: {err}"
        return reason(HTTPStatus.BAD_GATEWAY, "unreadable_outcome", message, command_id=routed.command_id)
    code = decoded.reason.code if decoded.reason is not None else None
    gw.metrics.outcomes.labels(status=decoded.status, code=code or "").inc()
    gw.metrics.report_seconds.observe(time.monotonic() - started)
    if decoded.case_id is not None:
        request[LOG_IDS]["case_id"] = decoded.case_id
    return json_body(outcome, status_of(decoded.status, code))

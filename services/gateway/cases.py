"""``GET /v1/cases``, ``GET /v1/cases/{id}``, ``GET /v1/cases/{id}/events``: views and histories as stored.

Views are the JSON the projections wrote, read through the read model (shared/readmodel/queries.py)
and served byte for byte; events are the canonical JSON of the log (what an auditor reads with
redis-cli), wrapped with their position and chain link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus

import msgspec
from aiohttp import web

from services.gateway import disclosures
from services.gateway.access import PRINCIPAL
from services.gateway.disclosures import Shown
from services.gateway.replies import gateway, json_body, reason
from shared.access.visibility import author_of, parties_of
from shared.readmodel import queries
from shared.readmodel.filters import CaseFilter, FilterError

MAX_CASE_ID = 128
"""Case ids are identifiers of at most 128 characters (shared.events.envelope.Identifier)."""

UNKNOWN_CASE = "unknown_case"



def _case_id(request: web.Request) -> str | web.Response:
    case_id = request.match_info["case_id"]
    if not 0 < len(case_id) <= MAX_CASE_ID:
        return reason(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_case_id", f"case id: 1 to {MAX_CASE_ID} characters")
    return case_id


async def list_cases(request: web.Request) -> web.Response:
    """Every case view that passes the filters (unit, kind, status, overdue), sorted by case id."""
    try:
        case_filter = CaseFilter.from_query(request.query)
    except FilterError as err:
        return reason(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_filter", str(err))
    gw = gateway(request)
    store = await gw.store()
    viewer = request[PRINCIPAL]
    found = await queries.list_raw(gw.redis, store, case_filter, datetime.now(UTC), viewer=viewer)
    await disclosures.record(gw, store, viewer,
                             [Shown(case_id, "view", raw, parties_of(raw)) for case_id, raw in found])
    return json_body(b"[" + b",".join(raw for _, raw in found) + b"]")


async def get_case(request: web.Request) -> web.Response:
    """One case's view, or 404 naming the case."""
    case_id = _case_id(request)
    if isinstance(case_id, web.Response):
        return case_id
    gw = gateway(request)
    store = await gw.store()
    raw = await queries.get_raw(gw.redis, store, case_id, viewer=request[PRINCIPAL])
    if raw is None:
        message = f"no case {case_id!r} (or the projections have not seen it yet)"
        return reason(HTTPStatus.NOT_FOUND, UNKNOWN_CASE, message)
    await disclosures.record(gw, store, request[PRINCIPAL], [Shown(case_id, "view", raw, parties_of(raw))])
    return json_body(raw)


_encode = msgspec.json.encode


async def case_events(request: web.Request) -> web.Response:
    """A case's events in version order: position, number, prev, hash and the event as logged."""
    case_id = _case_id(request)
    if isinstance(case_id, web.Response):
        return case_id
    gw = gateway(request)
    store = await gw.store()
    recorded = await queries.case_events(gw.redis, store, case_id, viewer=request[PRINCIPAL])
    # The same answer for a case the caller may not see as for none: its existence is not disclosed.
    if not recorded:
        return reason(HTTPStatus.NOT_FOUND, UNKNOWN_CASE, f"no case {case_id!r}: the log holds no event of it")
    body = b"[" + b",".join(queries.shown_events(recorded, request[PRINCIPAL])) + b"]"
    authors = [author_of(entry.data) for entry in recorded]
    await disclosures.record(gw, store, request[PRINCIPAL], [Shown(case_id, "events", body, authors)])
    return json_body(body)

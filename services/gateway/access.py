"""The HTTP door (docs/security.md): every route but ``/health`` and the board's static files needs a bearer token.

401 (with ``WWW-Authenticate: Bearer``, RFC 6750) without a token or with an unknown, revoked or
expired one; 403 for a role that may not take the route's action; 429 with ``Retry-After`` past a
token's rate. The principal is kept on the request for the handlers (``principal``): a report's
unit must be the token's (``commands.py``), a unit reads only the cases it is party to (the read
model's queries). Tokens are looked up on every request, so a revocation counts at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from services.gateway.replies import gateway, reason
from shared.access import tokens
from shared.access.principals import Action, Principal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PRINCIPAL = web.RequestKey("principal", Principal)
PRESENTED = web.RequestKey("presented", str)
"""The bearer token as presented, for a long request to check again (an update stream); never logged."""

ACTIONS: dict[tuple[str, str], Action | None] = {
    ("POST", "/v1/commands"): "send",
    ("POST", "/v1/persons"): "register_persons",
    ("GET", "/v1/cases"): "read_cases",
    ("GET", "/v1/cases/{case_id}"): "read_cases",
    ("GET", "/v1/cases/{case_id}/events"): "read_cases",
    ("GET", "/v1/updates"): "read_cases",
    ("GET", "/metrics"): "metrics",
    ("GET", "/openapi.json"): "api_description",
    ("GET", "/health"): None,
    ("GET", "/"): None,
    ("GET", "/static/{name}"): None,
}
"""(method, route) -> the action a principal's role must allow; None: open to anyone (no case content).
A route missing here is refused to everyone (a new route is a decision, not an accident)."""

CHALLENGE = 'Bearer realm="liaison"'


def _unauthorized(problem: str) -> web.Response:
    response = reason(HTTPStatus.UNAUTHORIZED, "unauthorized",
                      f"{problem}: send Authorization: Bearer <token> (liaison token issue makes one)")
    error = "" if problem == "no token" else ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = CHALLENGE + error
    return response


def _presented(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@web.middleware
async def authorize(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate the bearer token, check the role allows the route's action, apply the token's rate."""
    info = request.match_info
    if info.http_exception is not None or info.route.resource is None:
        return await handler(request)  # 404 / 405: nothing is served
    key = (request.method, info.route.resource.canonical)
    if key in ACTIONS and ACTIONS[key] is None:
        return await handler(request)
    presented = _presented(request)
    if not presented:
        return _unauthorized("no token" if presented is None else "not a bearer token")
    gw = gateway(request)
    found = await tokens.authenticate(gw.redis, presented)
    if isinstance(found, str):
        return _unauthorized(found)
    action = ACTIONS.get(key)
    if action is None or not found.may(action):
        return reason(HTTPStatus.FORBIDDEN, "forbidden", f"a {found.role} token may not {request.method} "
                      f"{info.route.resource.canonical}")
    wait = gw.rate_limit.wait_s(found.token_id, time.monotonic())
    if wait > 0:
        response = reason(HTTPStatus.TOO_MANY_REQUESTS, "rate_limited",
                          f"over {gw.rate_limit.rate:g} requests a second for this token; slow down")
        response.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
        return response
    request[PRINCIPAL] = found
    request[PRESENTED] = presented
    return await handler(request)

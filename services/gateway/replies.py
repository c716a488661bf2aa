"""JSON responses, the error body of the contract (``{"reason": {"code", "message"}}``), the app key."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from services.gateway.resources import Gateway

GATEWAY = web.AppKey("gateway", Gateway)
"""Where the application keeps its Gateway resources."""

JSON = "application/json"


def gateway(request: web.Request) -> Gateway:
    """The Gateway of the application serving this request."""
    return request.app[GATEWAY]


def json_body(body: bytes, status: int = 200) -> web.Response:
    """A response whose body is already JSON (views and events are served as stored)."""
    return web.Response(body=body, status=status, content_type=JSON)


def json_value(value: Any, status: int = 200) -> web.Response:
    """A response holding a value encoded as JSON."""
    return json_body(msgspec.json.encode(value), status)


def reason(http_status: int, code: str, message: str, /, **extra: Any) -> web.Response:
    """An error response: ``{"reason": {"code", "message"}}`` plus any fields given (e.g. ``command_id``)."""
    return json_value({**extra, "reason": {"code": code, "message": message}}, http_status)

"""Every request: a JSON error body instead of a traceback or HTML, a count in the metrics, one log line."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import structlog
from aiohttp import web
from redis.exceptions import RedisError

from services.gateway.replies import gateway, reason
from shared.logging import bound
from shared.store import StoreNotInitialised

log = structlog.get_logger("gateway")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CLIENT_CLOSED = 499
"""Logged and counted (never sent) when the request ended because its client went away (nginx's code)."""
QUIET_ROUTES = frozenset({"/health", "/metrics"})
"""Polled by machines every few seconds: logged at debug level only."""
LOG_IDS = web.RequestKey("log_ids", dict[str, str])
"""Ids a handler learnt (``command_id``, ``case_id``): added to the request's log line, written after it returns."""


def _route(request: web.Request) -> str:
    """The route template (``/v1/cases/{case_id}``), so metrics do not grow a series per case id."""
    info = request.match_info
    if info.http_exception is not None or info.route.resource is None:
        return "unmatched"
    return info.route.resource.canonical


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        answer = reason(exc.status, code, f"{request.method} {request.path}: {exc.reason}")
        if "Allow" in exc.headers:  # a 405 names the methods the route takes (RFC 9110)
            answer.headers["Allow"] = exc.headers["Allow"]
        return answer
    except StoreNotInitialised:
        return reason(HTTPStatus.SERVICE_UNAVAILABLE, "no_store",
                      "this Redis holds no Liaison store yet: start the services (`liaison up`)")
    except (RedisError, OSError) as exc:
        log.warning("redis_unavailable", error=str(exc))
        return reason(HTTPStatus.SERVICE_UNAVAILABLE, "redis_unavailable", f"Redis did not answer: {exc}")


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer errors as JSON, count the request by route and status, log it with its duration."""
    route = _route(request)
    started = time.monotonic()
    status = 500
    ids: dict[str, str] = {}
    request[LOG_IDS] = ids
    try:
        response = await _answer(request, handler)
        status = response.status
        return response
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    except Exception:
        with bound(**ids):
            log.exception("request_failed", method=request.method, path=request.path)
        return reason(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error",
                      "the gateway failed on this request; it is logged")
    finally:
        gateway(request).metrics.requests.labels(method=request.method, route=route, status=str(status)).inc()
        emit = log.debug if route in QUIET_ROUTES else log.info
        with bound(**ids):
            emit("request", method=request.method, route=route, path=request.path, status=status,
                 ms=round((time.monotonic() - started) * 1000, 1))

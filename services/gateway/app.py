"""The gateway's aiohttp application: routes, middleware, start-up and shutdown of its resources."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from services.gateway.access import authorize
from services.gateway.board import index, static_file
from services.gateway.cases import case_events, get_case, list_cases
from services.gateway.commands import post_command
from services.gateway.config import GatewayConfig
from services.gateway.health import health, metrics
from services.gateway.middleware import observe
from services.gateway.openapi import openapi
from services.gateway.persons import post_person
from services.gateway.replies import GATEWAY
from services.gateway.resources import Gateway
from services.gateway.updates import subscribe

ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/v1/commands", post_command),
    ("POST", "/v1/persons", post_person),
    ("GET", "/v1/cases", list_cases),
    ("GET", "/v1/cases/{case_id}", get_case),
    ("GET", "/v1/cases/{case_id}/events", case_events),
    ("GET", "/v1/updates", subscribe),
    ("GET", "/health", health),
    ("GET", "/metrics", metrics),
    ("GET", "/openapi.json", openapi),
    ("GET", "/", index),
    ("GET", "/static/{name}", static_file),
)


def build_app(config: GatewayConfig) -> web.Application:
    """The application for one gateway; its resources open on start-up and close on clean-up."""
    app = web.Application(middlewares=[observe, authorize])
    gw = Gateway(config)
    app[GATEWAY] = gw
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.on_startup.append(gw.start)
    app.on_shutdown.append(gw.shutdown)
    app.on_cleanup.append(gw.close)
    return app

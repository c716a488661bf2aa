"""The OpenAPI 3.1 description served at ``GET /openapi.json`` (a test checks it lists every route).

Report bodies are described loosely here (an object with ``type`` and ``command_id``): the gateway
imports no service, and the full schema of every report type is in ``docs/asyncapi.yaml``,
generated from the services' own types.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from services.gateway.access import ACTIONS
from shared.access.principals import ALLOWED
from shared.outcomes import Outcome
from shared.readmodel.filters import PARAMETERS as CASE_FILTERS
from shared.reports import MAX_REPORT_BYTES, SERVICE_OF
from shared.vault.persons import PersonalData

REF = "#/components/schemas/{name}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 128}}

_FILTER_TEXT = {
    "unit": "only cases this unit takes part in (a unit code, e.g. VN-LC-IBGS)",
    "kind": "only cases of this kind (e.g. hotline)",
    "status": "only cases in this status (e.g. awaiting_acknowledgement)",
    "overdue": (
        "true: only cases with at least one overdue obligation (recorded overdue, or its deadline `due` has "
        "passed); false: only cases with none (open obligations not yet due do not count)"
    ),
}


def _schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components([Outcome, PersonalData], ref_template=REF)
    return components | {
        "Error": {
            "type": "object",
            "required": ["reason"],
            "properties": {
                "reason": _ref("Reason"),
                "command_id": {"type": "string"},
                "status": {"type": "string"},
            },
        },
        "Report": {
            "type": "object",
            "description": "One report (see docs/asyncapi.yaml for every type's fields); "
            f"at most {MAX_REPORT_BYTES} bytes",
            "required": ["type", "command_id"],
            "properties": {
                "type": {"type": "string", "enum": sorted(SERVICE_OF)},
                "command_id": {"type": "string", "minLength": 1, "maxLength": 128},
            },
            "additionalProperties": True,
        },
        "CaseView": {
            "type": "object",
            "description": "A case view as the projections store it (case_id, kind, status, parties, counts, "
            "obligations, first_update, last_update, version, ...)",
            "required": ["case_id", "version"],
            "additionalProperties": True,
        },
        "LoggedEvent": {
            "type": "object",
            "required": ["position", "number", "prev", "hash", "event"],
            "properties": {
                "position": {"type": "string", "description": "entry id in the partition log"},
                "number": {"type": "integer", "description": "gap-free number within the partition"},
                "prev": {"type": "string", "description": "hash of the case's previous event"},
                "hash": {"type": "string", "description": "sha256(prev + '\\n' + event's canonical JSON)"},
                "event": {"type": "object", "description": "the event's canonical JSON, as logged"},
            },
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI document of the gateway."""
    outcome = _json(_ref("Outcome"), "the outcome")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Liaison HTTP API",
            "version": "1",
            "description": "Reports in; case views, histories and live case updates out. "
            "Streams and message schemas: docs/asyncapi.yaml.",
        },
        "paths": {
            "/v1/commands": {
                "post": {
                    "summary": "Send one report; wait for its outcome (sending it again is safe)",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Report")}}},
                    "responses": {
                        "200": _json(_ref("Outcome"), "accepted: the events it recorded"),
                        "403": outcome | {"description": "not allowed (not_party, not_recipient, not_caller)"},
                        "409": outcome | {"description": "version conflict: the case kept moving; send it again"},
                        "413": _error("the report is over the size limit"),
                        "422": outcome | {"description": "invalid: a reason code and a message naming the field"},
                        "500": _error("the service could not complete the report"),
                        "503": _error("Redis is unavailable"),
                        "504": _error("no outcome in time: is the service running? Sending again is safe"),
                    },
                }
            },
            "/v1/persons": {
                "post": {
                    "summary": "Register a person's data in the vault (encrypted under their own key); "
                    "reports then name them only by the subject id returned",
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": _ref("PersonalData")}}},
                    "responses": {
                        "201": _json({"type": "object", "required": ["subject_id"],
                                      "properties": {"subject_id": {"type": "string"}}}, "the new subject id"),
                        "413": _error("the personal data is over the size limit"),
                        "422": _error("invalid: a message naming the field and the problem"),
                        "503": _error("Redis is unavailable"),
                    },
                }
            },
            "/v1/cases": {
                "get": {
                    "summary": "Every case view passing the filters, sorted by case id",
                    "parameters": [
                        _query(name, _FILTER_TEXT[name], {"type": "boolean"} if name == "overdue" else None)
                        for name in CASE_FILTERS
                    ],
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("CaseView")}, "the case views"),
                        "422": _error("an unknown filter or a bad value"),
                    },
                }
            },
            "/v1/cases/{case_id}": {
                "get": {
                    "summary": "One case's view",
                    "parameters": [_CASE_ID],
                    "responses": {"200": _json(_ref("CaseView"), "the view"), "404": _error("no such case")},
                }
            },
            "/v1/cases/{case_id}/events": {
                "get": {
                    "summary": "One case's events in version order, with their log positions and chain links",
                    "parameters": [_CASE_ID],
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("LoggedEvent")}, "the events"),
                        "404": _error("no such case"),
                    },
                }
            },
            "/v1/updates": {
                "get": {
                    "summary": "Case updates as server-sent events; resumable with Last-Event-ID",
                    "parameters": [
                        _query("case", "follow one case only"),
                        _query("last_event_id", "resume after this position (for clients that cannot send "
                               "the Last-Event-ID header)"),
                        {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "string"},
                         "description": "resume after this position: no update missed, none repeated"},
                    ],
                    "responses": {
                        "200": {
                            "description": "event: ready (the starting position), then one event per update: "
                            "id = position in every partition, data = {case_id, version, partition, position, "
                            "view}; event: resync when updates after a resumed position were trimmed",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        "422": _error("a Last-Event-ID this gateway did not write, or an unknown parameter"),
                        "503": _error("too many open update streams, or Redis is unavailable"),
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Redis answers, the store exists, every service's consumer group exists",
                    "responses": {
                        "200": _json({"type": "object"}, "healthy"),
                        "503": _json({"type": "object"}, "failing: `problems` says what is wrong"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (text format 0.0.4)",
                    "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}},
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}
            },
            "/": {
                "get": {
                    "summary": "The web case board (HTML): live cases, timelines, both clocks, three languages",
                    "responses": {"200": {"description": "the page", "content": {"text/html": {}}}},
                }
            },
            "/static/{name}": {
                "get": {
                    "summary": "The board's script and style sheet",
                    "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "the file"}, "404": _error("no such file")},
                }
            },
        },
        "components": {"schemas": _schemas()},
    }


def _secured(doc: dict[str, Any]) -> dict[str, Any]:
    """The door (access.py) in the document: bearer auth, the roles allowed, 401/403/429 on every guarded route."""
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `liaison token issue`"}
    }
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            action = ACTIONS[(method.upper(), path)]
            if action is None:
                operation["security"] = []
                continue
            roles = [role for role, allowed in ALLOWED.items() if action in allowed]
            operation["security"] = [{"bearer": []}]
            operation["description"] = (operation.get("description", "") + f" Roles: {', '.join(roles)}.").strip()
            operation["responses"].setdefault("401", _error("no token, or an unknown, revoked or expired one"))
            forbidden = "the token's role may not do this" + (
                "; or the report's unit is not the token's (not_your_unit)" if action == "send" else "")
            if "403" in operation["responses"]:  # the route's own 403 (a refused report) stays, and says more
                operation["responses"]["403"]["description"] += f"; {forbidden}"
            else:
                operation["responses"]["403"] = _error(forbidden)
            operation["responses"]["429"] = _error("over the token's rate: wait Retry-After seconds")
    return doc


_DOCUMENT = msgspec.json.encode(_secured(document()))


async def openapi(_request: web.Request) -> web.Response:
    """Serve the OpenAPI document."""
    return web.Response(body=_DOCUMENT, content_type="application/json")

"""The OpenAPI 3.1 description served at ``GET /openapi.json`` (a test checks it lists every route).

It is held to the truth by schemathesis (tests/integration/gateway/test_schemathesis.py): every
status a route can answer is listed, every error body is the one ``Error`` schema, and a report is
one of the report types, each with its own schema. Those are generated from the services' command
unions into ``shared/report_schemas.json`` by scripts/report_types.py (the gateway imports no
service); a unit test fails when that file and the unions differ.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import msgspec
from aiohttp import web

from services.gateway.access import ACTIONS
from shared.access.principals import ALLOWED
from shared.outcomes import Outcome
from shared.readmodel.filters import PARAMETERS as CASE_FILTERS
from shared.reports import MAX_REPORT_BYTES
from shared.vault.persons import PersonalData

REF = "#/components/schemas/{name}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = _json(_ref("Error"), description)
    if headers:
        answer["headers"] = headers
    return answer


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


REPORT_SCHEMAS: dict[str, Any] = json.loads(
    resources.files("shared").joinpath("report_schemas.json").read_text(encoding="utf-8"))
"""``Report`` and the schema of every report type, generated from the services' command unions."""


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_CASE_ID = {"name": "case_id", "in": "path", "required": True,
            "description": "a case id: 1 to 128 characters (longer: 422 invalid_case_id)",
            "schema": {"type": "string", "minLength": 1, "maxLength": 128}}
_NON_EMPTY = {"type": "string", "minLength": 1}
_BOOLEAN = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$",
            "examples": ["true", "false"]}
"""A boolean query parameter as the API reads it: true or false in any case, or 1 or 0."""
_POSITION = {"type": "string", "pattern": r"^[ \t]*([0-9]{1,20}(-[0-9]{1,20})?(,[0-9]{1,20}(-[0-9]{1,20})?)*)?[ \t]*$",
             "description": "an update event's id: one stream entry id per partition of the store, comma-separated "
             "(one for another partition count is 422 invalid_last_event_id); empty: follow from now"}

_FILTER_TEXT = {
    "unit": "only cases this unit takes part in (a unit code, e.g. VN-LC-IBGS)",
    "kind": "only cases of this kind (e.g. hotline)",
    "status": "only cases in this status (e.g. awaiting_acknowledgement)",
    "overdue": (
        "true: only cases with at least one overdue obligation (recorded overdue, or its deadline `due` has "
        "passed); false: only cases with none (open obligations not yet due do not count)"
    ),
}


def _data(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An SSE ``data:`` field: a string holding JSON of ``schema``."""
    return {"type": "string", "description": description, "contentMediaType": "application/json",
            "contentSchema": schema}


def _event(name: str, description: str, data: dict[str, Any], *, with_id: bool = True) -> dict[str, Any]:
    """One server-sent event as a client's parser reads it: ``event``, ``data``, and ``id`` when it has one."""
    properties: dict[str, Any] = {
        "event": {"const": name},
        "data": data,
        "id": {"type": "string", "description": "the position: one stream entry id per partition, "
               "comma-separated; send it back as Last-Event-ID to resume"},
        "retry": {"type": "integer"},
    }
    return {"type": "object", "description": description,
            "required": ["event", "data", "id"] if with_id else ["event", "data"], "properties": properties}


EVENTS = {
    "ready": ("ReadyEvent", _event(
        "ready", "sent first: the position the stream starts from (resume from its id to miss nothing)",
        _data("the starting position: in every partition for an auditor; sealed (an opaque token, as every id: "
              "is) for any other reader", {
            "type": "object",
            "oneOf": [{"required": ["positions"]}, {"required": ["position"]}],
            "properties": {"positions": {"type": "array", "items": {"type": "string"}},
                           "position": {"type": "string", "description": "the sealed position (s1.…)"}}}))),
    "message": ("UpdateEvent", _event(
        "message", "one case update (the default event type): the case's view after it",
        _data("the update", {
            "type": "object", "required": ["case_id", "version", "view"],
            "properties": {
                "case_id": {"type": "string"},
                "version": {"type": ["integer", "string"],
                            "description": "the case's version; for a reader who is not an auditor, counted over "
                            "the events it may see"},
                "partition": {"type": "integer", "description": "auditors only"},
                "position": {"type": "string", "description": "auditors only: the update's entry id in its partition"},
                "view": {"anyOf": [_ref("CaseView"), {"type": "null"}]},
            }}))),
    "resync": ("ResyncEvent", _event(
        "resync", "updates after the resumed position were removed: reload the case views, then keep following",
        _data("why, and the partitions concerned", {
            "type": "object", "required": ["reason", "partitions"],
            "properties": {
                "reason": _ref("Reason"),
                "partitions": {"type": "array", "items": {
                    "type": "object", "required": ["partition", "problem"],
                    "properties": {
                        "partition": {"type": "integer"},
                        "problem": {"enum": ["ahead", "trimmed"]},
                        "position": {"type": "string", "description": "auditors only"},
                        "newest": {"type": "string", "description": "auditors only"},
                        "oldest_kept": {"type": ["string", "null"], "description": "auditors only"},
                    }}},
            }}))),
    "unauthorized": ("UnauthorizedEvent", _event(
        "unauthorized", "the token was revoked or expired: the stream ends",
        _data("why", {"type": "object", "required": ["reason"], "properties": {"reason": _ref("Reason")}}),
        with_id=False)),
    "unavailable": ("UnavailableEvent", _event(
        "unavailable", "Redis did not answer (a disclosure could not be recorded, so nothing more is shown): the "
        "stream ends; reconnect with the last event id",
        _data("why", {"type": "object", "required": ["reason"], "properties": {"reason": _ref("Reason")}}),
        with_id=False)),
}
"""The events of ``GET /v1/updates``: event type -> (schema name, the schema of one event)."""


def _schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components([Outcome, PersonalData], ref_template=REF)
    clash = set(components) & set(REPORT_SCHEMAS)
    assert not clash, f"report schemas and the gateway's share names: {clash}"
    report = REPORT_SCHEMAS["Report"] | {
        "description": REPORT_SCHEMAS["Report"]["description"] + f"; at most {MAX_REPORT_BYTES} bytes"}
    return components | REPORT_SCHEMAS | {
        "Error": {
            "type": "object",
            "description": "Every answer that is not a success: a reason (a stable code and a message a person can "
            "act on), and for a report the gateway or a service refused, its command id and status",
            "required": ["reason"],
            "properties": {
                "reason": _ref("Reason"),
                "command_id": {"type": "string"},
                "status": {"enum": ["rejected", "unanswered", "failing"],
                           "description": "a report's: rejected, or unanswered (504); /health's: failing"},
                "case_id": {"type": "string"},
            },
        },
        "Report": report,
        "Health": {
            "type": "object",
            "required": ["status", "problems", "checks"],
            "properties": {
                "status": {"enum": ["ok", "failing"]},
                "problems": {"type": "array", "items": {"type": "string"}},
                "checks": {"type": "object"},
            },
        },
        "ServerSentEvent": {
            "description": "One event of the update stream, as an EventSource reads it",
            "oneOf": [_ref(name) for name, _ in EVENTS.values()],
            "discriminator": {"propertyName": "event",
                              "mapping": {event: REF.format(name=name) for event, (name, _) in EVENTS.items()}},
        },
        **{name: schema for name, schema in EVENTS.values()},
        "CaseView": {
            "type": "object",
            "description": "A case view as the projections store it (case_id, kind, status, parties, counts, "
            "obligations, first_update, last_update, version, ...)",
            "required": ["case_id", "version"],
            "additionalProperties": True,
        },
        "LoggedEvent": {
            "type": "object",
            "description": "An auditor gets the log as it is: the chain's number, prev and hash, and the event as "
            "logged. Any other reader gets the events it may see numbered for it (case_version 1, 2, 3... over "
            "those alone) and no chain fields, so nothing shows an event it may not see (docs/security.md).",
            "required": ["position", "event"],
            "properties": {
                "position": {"type": "string", "description": "entry id in the partition log"},
                "number": {"type": "integer", "description": "auditors only: gap-free number within the partition"},
                "prev": {"type": "string", "description": "auditors only: hash of the case's previous event"},
                "hash": {"type": "string",
                         "description": "auditors only: sha256(prev + '\\n' + event's canonical JSON)"},
                "event": {"type": "object", "description": "the event's canonical JSON: as logged for an auditor, "
                          "its case_version counted over the events the reader may see for anyone else"},
            },
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI document of the gateway: every route, every status it answers."""
    return _secured({
        "openapi": "3.1.0",
        "info": {
            "title": "Liaison HTTP API",
            "version": "1",
            "description": "Reports in; case views, histories and live case updates out. Every answer that is "
            "not a success has the `Error` body. Streams and message schemas: docs/asyncapi.yaml.",
        },
        "paths": {
            "/v1/commands": {
                "post": {
                    "summary": "Send one report; wait for its outcome (sending it again is safe)",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Report")}}},
                    "responses": {
                        "200": _json(_ref("Outcome"), "accepted: the events it recorded"),
                        "403": _error("refused: not allowed (not_party, not_recipient, not_caller, ...)"),
                        "409": _error("version conflict: the case kept moving; send it again"),
                        "413": _error("the report is over the size limit"),
                        "422": _error("invalid: not a JSON object (invalid_json, no command_id), an unknown type, "
                                      "or refused by its service: a reason code and a message naming the field"),
                        "500": _error("the service could not complete the report"),
                        "502": _error("the outcome written for the report cannot be read"),
                        "503": _error("Redis is unavailable, or this gateway cannot attest reports (no_signing_key, "
                                      "or its key is not registered: bad_signature, key_revoked)"),
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
                        "422": _error("invalid (invalid_person): a message naming the field and the problem; "
                                      "besides the schema, each name needs 2 to 16 words or Chinese characters "
                                      "and `born` must be a real date from 1900 to today"),
                        "503": _error("Redis or the vault is unavailable"),
                    },
                }
            },
            "/v1/cases": {
                "get": {
                    "summary": "Every case view passing the filters, sorted by case id",
                    "parameters": [
                        _query(name, _FILTER_TEXT[name], _BOOLEAN if name == "overdue" else _NON_EMPTY)
                        for name in CASE_FILTERS
                    ],
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("CaseView")}, "the case views"),
                        "422": _error("an unknown filter, an empty one, or a bad value (invalid_filter)"),
                        "503": _error("Redis is unavailable, or it holds no store yet"),
                    },
                }
            },
            "/v1/cases/{case_id}": {
                "get": {
                    "summary": "One case's view",
                    "parameters": [_CASE_ID],
                    "responses": {
                        "200": _json(_ref("CaseView"), "the view"),
                        "404": _error("no such case, or not one the caller is party to (unknown_case)"),
                        "422": _error("a case id over 128 characters (invalid_case_id)"),
                        "503": _error("Redis is unavailable, or it holds no store yet"),
                    },
                }
            },
            "/v1/cases/{case_id}/events": {
                "get": {
                    "summary": "One case's events in version order, with their log positions and chain links",
                    "parameters": [_CASE_ID],
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("LoggedEvent")}, "the events"),
                        "404": _error("no such case, or not one the caller is party to (unknown_case)"),
                        "422": _error("a case id over 128 characters (invalid_case_id)"),
                        "503": _error("Redis is unavailable, or it holds no store yet"),
                    },
                }
            },
            "/v1/updates": {
                "get": {
                    "summary": "Case updates as server-sent events; resumable with Last-Event-ID",
                    "parameters": [
                        _query("case", "follow one case only (1 to 128 characters)",
                               {"type": "string", "minLength": 1, "maxLength": 128}),
                        _query("last_event_id", "resume after this position (for clients that cannot send "
                               "the Last-Event-ID header)", _POSITION),
                        {"name": "Last-Event-ID", "in": "header", "required": False, "schema": _POSITION,
                         "description": "resume after this position: no update missed, none repeated"},
                    ],
                    "responses": {
                        "200": {
                            "description": "A stream of server-sent events (the schema describes one event, as "
                            "`itemSchema` does in OpenAPI 3.2): `ready` first, with the starting position; then "
                            "one `message` event per case update, its id the position in every partition; "
                            "`resync` when updates after a resumed position were removed; `unauthorized` when "
                            "the token is revoked or expires (the stream then ends). `: keep-alive` comments "
                            "fill silences.",
                            "content": {"text/event-stream": {"schema": _ref("ServerSentEvent")}},
                        },
                        "422": _error("a Last-Event-ID this gateway did not write, a bad `case`, or an unknown "
                                      "parameter"),
                        "503": _error("too many open update streams, or Redis is unavailable"),
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Redis answers, the store exists, every service's consumer group exists",
                    "responses": {
                        "200": _json(_ref("Health"), "healthy"),
                        "503": _json({"allOf": [_ref("Error"), _ref("Health")]},
                                     "failing: `problems` says what is wrong (`reason` sums it up)"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (text format 0.0.4)",
                    "responses": {
                        "200": {"description": "metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
                        "503": _error("Redis is unavailable (the token cannot be checked)"),
                    },
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {
                    "200": _json({"type": "object"}, "OpenAPI 3.1"),
                    "503": _error("Redis is unavailable (the token cannot be checked)"),
                }}
            },
            "/": {
                "get": {
                    "summary": "The web case board (HTML): live cases, timelines, both clocks, three languages",
                    "responses": {"200": {"description": "the page",
                                          "content": {"text/html": {"schema": {"type": "string"}}}}},
                }
            },
            "/static/{name}": {
                "get": {
                    "summary": "The board's script and style sheet",
                    "parameters": [{"name": "name", "in": "path", "required": True,
                                    "schema": {"type": "string", "minLength": 1}}],
                    "responses": {
                        "200": {"description": "the file", "content": {
                            "text/javascript": {"schema": {"type": "string"}},
                            "text/css": {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                        }},
                        "404": _error("no such file"),
                    },
                }
            },
        },
        "components": {"schemas": _schemas()},
    })


_UNAUTHORIZED = _error("no token, or an unknown, revoked or expired one",
                       {"WWW-Authenticate": _header("Bearer realm=\"liaison\" (RFC 6750)", {"type": "string"})})
_RATE_LIMITED = _error("over the token's rate (rate_limited), or too many update streams for one token: "
                       "wait Retry-After seconds",
                       {"Retry-After": _header("seconds to wait", {"type": "string", "pattern": "^[0-9]+$"})})


def _secured(doc: dict[str, Any]) -> dict[str, Any]:
    """The door (access.py) in the document: bearer auth, the roles allowed, 401/403/429 on every guarded route;
    and 500 on every route (the gateway's own failure, answered with an ``Error`` body)."""
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `liaison token issue`"}
    }
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            responses.setdefault("500", _error("the gateway failed on this request (internal_error); it is logged"))
            action = ACTIONS[(method.upper(), path)]
            if action is None:
                operation["security"] = []
                continue
            roles = [role for role, allowed in ALLOWED.items() if action in allowed]
            operation["security"] = [{"bearer": []}]
            operation["description"] = (operation.get("description", "") + f" Roles: {', '.join(roles)}.").strip()
            responses["401"] = _UNAUTHORIZED
            forbidden = "the token's role may not do this (forbidden)" + (
                "; or the report's unit is not the token's (not_your_unit)" if action == "send" else "")
            if "403" in responses:  # the route's own 403 (a refused report) stays, and says more
                responses["403"] = _error(f"{responses['403']['description']}; {forbidden}")
            else:
                responses["403"] = _error(forbidden)
            responses["429"] = _RATE_LIMITED
            operation["responses"] = dict(sorted(responses.items()))
    return doc


_DOCUMENT = msgspec.json.encode(document())


async def openapi(_request: web.Request) -> web.Response:
    """Serve the OpenAPI document."""
    return web.Response(body=_DOCUMENT, content_type="application/json")

"""Generate docs/asyncapi.yaml: an AsyncAPI 3.0 description of every Redis stream and its messages.

Run ``.venv/bin/python scripts/asyncapi.py`` after changing a report, event, outcome or view type;
``--check`` exits 1 if the checked-in file differs (``make test`` runs the same comparison in
tests/unit/gateway/test_asyncapi.py, so the description never drifts from the code).

The message schemas come from the msgspec types themselves (``msgspec.json.schema_components``):
the reports of each service, the event union, the outcome and the case view. FastStream's own
AsyncAPI generator is not used: it crashes on msgspec types (faststream issue #2101).

Redis stream entries are flat maps of string fields; a field that carries JSON is described as a
string with ``contentMediaType: application/json`` and its parsed form in ``contentSchema``.
The document describes the streams from the side of a tool using Liaison: it sends reports and
receives outcomes, dead letters, log entries and case updates.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import msgspec

from services.hotline.domain.commands import AnyCommand as HotlineReport
from services.incidents.domain.commands import AnyCommand as IncidentsReport
from shared.events import AnyEvent
from shared.outcomes import Outcome
from shared.readmodel.schema import CaseView
from shared.reports import SERVICE_OF
from shared.store import keys

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "asyncapi.yaml"
REF = "#/components/schemas/{name}"

REPORTS: dict[str, tuple[str, Any]] = {
    "hotline": ("HotlineReport", HotlineReport),
    "incidents": ("IncidentsReport", IncidentsReport),
}
"""The reports each service's intake takes: service -> (schema name, msgspec union)."""

TAG = "{tag}"
"""The partition's hash tag in channel addresses (the ``tag`` parameter)."""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def _asyncapi_schema(value: Any) -> Any:
    """msgspec writes OpenAPI's discriminator object; an AsyncAPI Schema's discriminator is the property name.
    Descriptions come from docstrings: their reStructuredText ``code`` becomes Markdown `code` (what readers render)."""
    if isinstance(value, dict):
        out = {k: _asyncapi_schema(v) for k, v in value.items()}
        if isinstance(out.get("description"), str):
            out["description"] = out["description"].replace("``", "`")
        discriminator = out.get("discriminator")
        if isinstance(discriminator, dict):
            out["discriminator"] = discriminator["propertyName"]
        return out
    if isinstance(value, list):
        return [_asyncapi_schema(v) for v in value]
    return value


def schemas() -> dict[str, Any]:
    """Every schema: the unions under their own names, then each struct msgspec found."""
    named: dict[str, Any] = {name: union for name, union in REPORTS.values()}
    named |= {"Event": AnyEvent, "Outcome": Outcome, "CaseView": CaseView}
    roots, components = msgspec.json.schema_components(list(named.values()), ref_template=REF)
    result = {name: root for name, root in zip(named, roots, strict=True) if "$ref" not in root}
    result |= components
    ordered: dict[str, Any] = _asyncapi_schema(dict(sorted(result.items())))
    return ordered


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


def _json_field(description: str, schema: str) -> dict[str, Any]:
    return {
        "type": "string",
        "description": description,
        "contentMediaType": "application/json",
        "contentSchema": _ref(schema),
    }


def _entry(description: str, required: list[str], fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A message whose payload is one stream entry (a map of string fields)."""
    payload = {"type": "object", "required": required, "properties": fields, **extra}
    return {"contentType": "application/json", "summary": description, "payload": payload}


def messages() -> dict[str, Any]:
    """Every message: what one stream entry holds."""
    result: dict[str, Any] = {}
    for service, (schema, _) in REPORTS.items():
        result[schema] = _entry(
            f"One report to the {service} service: XADD {keys.intake(service)} * report <JSON> signature "
            "ed25519:<key id>:<base64> (ADR 0020).",
            ["report", "signature"],
            {
                "report": _json_field("The report as UTF-8 JSON; its `type` names the command.", schema),
                "signature": _string("`ed25519:<key id>:<base64 signature>` over `liaison report v1\\n` + report, "
                                     "by a key registered for the report's unit (`liaison unit-key register`); "
                                     "unsigned or badly signed reports are refused `unsigned`, `bad_signature`, "
                                     "`key_revoked`."),
                "principal": _string("Only from the gateway or the incidents service, which attest with their own "
                                     "key over `liaison attested report v1\\n` + principal + `\\n` + report: the "
                                     "JSON of whom they vouch for."),
            },
        )
    result["OutcomeEntry"] = _entry(
        "The answer to one report: accepted with the events it recorded, or rejected with a reason code. "
        "A report sent again gets the same outcome again.",
        ["command_id", "outcome", "stream", "entry"],
        {
            "command_id": _string("The report's command_id, to match the outcome to the report."),
            "outcome": _json_field("The outcome as JSON.", "Outcome"),
            "stream": _string("The intake stream of the entry answered."),
            "entry": _string("The id of the intake entry answered (XADD's reply): a tool that knows the entry it "
                             "wrote takes that entry's outcome, not one another writer's entry got under the same "
                             "command_id."),
        },
    )
    result["DeadLetter"] = _entry(
        "An intake entry the service could not read, kept with the reason; the service goes on. An entry naming "
        "a person held in the vault, or over 128 KiB, keeps no body: `withheld` says why, `size` and `sha256` "
        "describe its report (ADR 0016).",
        ["reason", "stream", "entry_id"],
        {
            "reason": _string("Why the entry could not be read."),
            "stream": _string("The intake stream it came from."),
            "entry_id": _string("Its entry id there."),
            "original": _string("The `report` field as received (bytes, possibly not UTF-8); absent when withheld."),
            "command_id": _string("The report's command_id, when one could be read."),
            "withheld": _string("Why the body was not kept (then no `original` fields)."),
            "size": _string("With `withheld`: the `report` field's length in bytes (decimal)."),
            "sha256": _string("With `withheld`: the hex SHA-256 of the `report` field."),
        },
        patternProperties={r"^original\.": _string("Any other field of the entry, as received.")},
    )
    result["LogEntry"] = _entry(
        "One event in a partition log (never trimmed). hash = sha256(prev + '\\n' + e); n numbers the "
        "partition's entries without gaps; the auditor recomputes both from the log alone.",
        ["n", "prev", "hash", "e"],
        {
            "n": _string("The entry's number within the partition, from 1, gap-free (decimal)."),
            "prev": _string("Hex sha256 of the case's previous event (64 zeros for the first)."),
            "hash": _string("Hex sha256 of prev, a line feed, and e."),
            "e": _json_field("The event's canonical JSON (sorted keys, no spaces).", "Event"),
        },
    )
    result["CaseUpdate"] = _entry(
        "A case's view after the projections applied its events (the stream is capped near 10 000 entries).",
        ["case_id", "version", "view"],
        {
            "case_id": _string("The case."),
            "version": _string("The case version the view was folded to (decimal)."),
            "view": _json_field("The view as stored in the partition's views hash.", "CaseView"),
        },
    )
    return result


_TAG_PARAMETER = {
    "tag": {
        "description": "The partition's hash tag: {pN}, where N = crc32(utf-8 case id) mod the partition count "
        f"recorded in the `partitions` field of {keys.META} (e.g. {{p3}}).",
    }
}


def channels() -> dict[str, Any]:
    """Every stream: its key and the message its entries hold."""
    result: dict[str, Any] = {}
    for service, (schema, _) in REPORTS.items():
        result[f"{service}Intake"] = {
            "address": keys.intake(service),
            "description": f"Reports to the {service} service (consumer group `{service}`, created at 0).",
            "messages": {"report": {"$ref": f"#/components/messages/{schema}"}},
        }
        result[f"{service}DeadLetters"] = {
            "address": keys.dead_letters(service),
            "description": f"Entries of {keys.intake(service)} that could not be read, with the reason.",
            "messages": {"deadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        }
    result["outcomes"] = {
        "address": keys.OUTCOMES,
        "description": "One outcome per report handled, from every service.",
        "messages": {"outcome": {"$ref": "#/components/messages/OutcomeEntry"}},
    }
    result["partitionLog"] = {
        "address": keys.PartitionKeys(0).log.replace("{p0}", TAG),
        "description": "The log of one partition: every event of the cases living there, in order "
        f"(consumer group `{keys.PROJECTIONS_GROUP}`, created at 0).",
        "parameters": _TAG_PARAMETER,
        "messages": {"event": {"$ref": "#/components/messages/LogEntry"}},
    }
    result["caseUpdates"] = {
        "address": keys.PartitionKeys(0).updates.replace("{p0}", TAG),
        "description": "Case updates of one partition, for dashboards (GET /v1/updates serves them over HTTP).",
        "parameters": _TAG_PARAMETER,
        "messages": {"update": {"$ref": "#/components/messages/CaseUpdate"}},
    }
    return result


def _operation(action: str, channel: str, summary: str) -> dict[str, Any]:
    return {"action": action, "channel": {"$ref": f"#/channels/{channel}"}, "summary": summary}


def operations() -> dict[str, Any]:
    """What a tool does with each stream."""
    result: dict[str, Any] = {}
    for service in REPORTS:
        result[f"send{service.capitalize()}Report"] = _operation(
            "send", f"{service}Intake", f"Send a report to the {service} service."
        )
        result[f"read{service.capitalize()}DeadLetters"] = _operation(
            "receive", f"{service}DeadLetters", "Read the entries the service could not read."
        )
    result["receiveOutcomes"] = _operation("receive", "outcomes", "Wait for the outcome of a report by command_id.")
    result["readPartitionLog"] = _operation("receive", "partitionLog", "Read or follow a partition's events.")
    result["followCaseUpdates"] = _operation("receive", "caseUpdates", "Follow case views as they change.")
    return result


def document() -> dict[str, Any]:
    """The AsyncAPI document."""
    missing = sorted(set(SERVICE_OF.values()) - set(REPORTS))
    if missing:
        raise SystemExit(f"scripts/asyncapi.py: add the report union of {', '.join(missing)} to REPORTS")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Liaison streams",
            "version": "1",
            "description": "The Redis Streams of Liaison, from the side of a tool that uses them. "
            "Generated by scripts/asyncapi.py from the msgspec types; do not edit by hand.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "redis": {
                "host": "127.0.0.1:6379",
                "protocol": "redis",
                "description": "The Redis named by LIAISON_REDIS_URL (or the embedded one `liaison up` starts).",
            }
        },
        "channels": channels(),
        "operations": operations(),
        "components": {"messages": messages(), "schemas": schemas()},
    }


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _key(key: str) -> str:
    plain = _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS
    return key if plain else json.dumps(key)


def _scalar(value: Any) -> str:
    # JSON scalars are valid YAML; strings are always double-quoted, so none is read as a number,
    # a boolean or a date, and non-ASCII text is escaped (the file stays plain ASCII).
    return json.dumps(value)


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of JSON-like data (dicts, lists, strings, numbers, booleans, None)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_key(key)}:\n{to_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{_key(key)}: {_inline(item)}\n")
        return "".join(lines)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = to_yaml(item, indent + 1)
                lines.append(f"{pad}- {nested.lstrip()}")
            else:
                lines.append(f"{pad}- {_inline(item)}\n")
        return "".join(lines)
    return pad + _scalar(value) + "\n"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def render() -> str:
    """The text of docs/asyncapi.yaml."""
    header = "# Generated by scripts/asyncapi.py from the msgspec types. Do not edit: run the script.\n"
    return header + to_yaml(document())


def main(argv: list[str] | None = None) -> int:
    """Write docs/asyncapi.yaml, or with --check exit 1 if it is not what the code generates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run `python scripts/asyncapi.py`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

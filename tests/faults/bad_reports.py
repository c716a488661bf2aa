"""Hypothesis strategies of bad reports (hotline, and incidents), each with the answer it must get.

A strategy draws everything but the command id; ``Bad.make(command_id)`` gives the bytes, so every
example the tests send carries a fresh id. Each kind of fault knows what a precise answer looks
like: its reason code(s) and a fragment naming the field or the problem, from the service, and, for
the faults `liaison send` answers itself before anything reaches a service, the code and fragment
of that local answer.

The incidents faults mutate valid reports of every incidents type (``liaison example``'s, with the
placeholders replaced by the ids of cases the test opened): a value of the wrong JSON type at any
depth, and bytes that are not UTF-8 in any string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from hypothesis import strategies as st

from liaison.report.examples.incidents import INCIDENT_EXAMPLES, SUBJECT_PLACEHOLDER
from services.hotline.domain.commands import COMMAND_TYPES
from services.hotline.intake import MAX_SCANNED_BYTES
from shared.reports import SERVICE_OF
from shared.units import registry
from tests.unit.hotline.reports import CN, VN, acknowledge, confirm, log_call, receive_letter, send_letter

MALFORMED = "malformed"
MAX_REPORT_BYTES = 64 * 1024
"""The bound the service must enforce (the contract, not the service's own constant, so the tests notice a change)."""
UNIT_CODES = frozenset(unit.code for unit in registry().values())


@dataclass(frozen=True)
class Bad:
    """A bad report: how to build it, and what a precise answer to it says."""

    kind: str
    build: Callable[[str], bytes]
    codes: frozenset[str]
    """Reason codes a precise answer may carry."""
    fragment: str
    """Text the reason must contain (the field or the problem it names)."""
    answered: bool = True
    """False when no command id can be read: the entry is only dead-lettered, with the reason."""
    dead_lettered: bool = False
    """True when the entry must also go to the dead-letter stream (unreadable reports)."""
    local: tuple[str, str] | None = None
    """The (code, fragment) of the answer `liaison send` gives itself, when the fault stops it before any
    service (too large, not UTF-8 JSON, no usable command id or type); None when the service must answer."""

    def make(self, command_id: str) -> bytes:
        """The report's bytes under this command id."""
        return self.build(command_id)


Template = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Context:
    """What the baseline recorded: a case with an acknowledged urgent call, to forge references against."""

    case_id: str
    call_id: str


def templates(context: Context) -> dict[str, Template]:
    """Valid reports (on an empty case or the baseline case), one per report type."""
    return {
        "LogCall": lambda c: log_call(c),
        "SendLetter": lambda c: send_letter(c),
        "ReceiveLetter": lambda c: receive_letter(c),
        "AcknowledgeMessage": lambda c: acknowledge(context.case_id, context.call_id, c),
        "ConfirmInWriting": lambda c: confirm(context.case_id, context.call_id, c),
    }


def _encode(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False).encode()


# JSON kinds of the top-level fields of every report type; optional fields may also be null.
_KIND = {
    "bool": ("exercise", "urgent", "written_confirmation_required"),
    "array": ("languages",),
    "object": ("summary", "subject", "body"),
}
_OPTIONAL = ("case_id", "correlation_id", "ended_at", "interpreter")
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(max_size=20),
    "int": st.integers(),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "array": st.lists(st.integers(), max_size=3),
    "object": st.dictionaries(st.sampled_from(["a", "vi", "original"]), st.integers(), max_size=2),
    "null": st.none(),
}


def _kind_of(field: str) -> str:
    return next((kind for kind, names in _KIND.items() if field in names), "str")


@st.composite
def wrong_type(draw: st.DrawFn, context: Context) -> Bad:
    """A field of the wrong JSON type (the command id stays readable)."""
    kind_name, template = draw(st.sampled_from(sorted(templates(context).items())))
    fields = sorted(set(template("x")) - {"command_id"})
    field = draw(st.sampled_from(fields))
    wrong = sorted(set(_VALUES) - {_kind_of(field)} - ({"null"} if field in _OPTIONAL else set()))
    value = draw(st.sampled_from(wrong).flatmap(lambda k: _VALUES[k]))
    return Bad(f"wrong type of {kind_name}.{field}", lambda c: _encode(template(c) | {field: value}),
               frozenset({MALFORMED}), f"`$.{field}`", dead_lettered=True,
               local=LOCAL_NO_TYPE if field == "type" else None)


def _required(kind: str) -> list[str]:
    fields = msgspec.structs.fields(COMMAND_TYPES[kind])
    return sorted({f.encode_name for f in fields if f.required} - {"command_id"} | {"type"})


@st.composite
def missing_field(draw: st.DrawFn, context: Context) -> Bad:
    """A required field left out."""
    kind_name, template = draw(st.sampled_from(sorted(templates(context).items())))
    field = draw(st.sampled_from(_required(kind_name)))

    def build(c: str) -> bytes:
        report = template(c)
        del report[field]
        return _encode(report)

    return Bad(f"{kind_name} without {field}", build, frozenset({MALFORMED}), f"missing required field `{field}`",
               dead_lettered=True, local=LOCAL_NO_TYPE if field == "type" else None)


@st.composite
def no_command_id(draw: st.DrawFn, context: Context) -> Bad:
    """No readable command id (absent, or not a string): nobody to answer, so a dead letter with the reason."""
    _, template = draw(st.sampled_from(sorted(templates(context).items())))
    value = draw(st.one_of(st.just(None), st.integers(), st.lists(st.text(max_size=3), max_size=2)))

    def build(c: str) -> bytes:
        report = template(c)
        if value is None:
            del report["command_id"]
        else:
            report["command_id"] = value
        return _encode(report)

    return Bad("no command id", build, frozenset({MALFORMED}), "command_id", answered=False, dead_lettered=True,
               local=("invalid", "command_id: required"))


@st.composite
def unknown_type(draw: st.DrawFn, context: Context) -> Bad:
    """A report type no service handles."""
    _, template = draw(st.sampled_from(sorted(templates(context).items())))
    kind = draw(st.text(min_size=1, max_size=30).filter(lambda t: t not in COMMAND_TYPES and t not in SERVICE_OF))
    return Bad(f"type {kind!r}", lambda c: _encode(template(c) | {"type": kind}), frozenset({MALFORMED}),
               "`$.type`", dead_lettered=True, local=("unknown_type", "type: unknown report type"))


@st.composite
def oversized(draw: st.DrawFn, context: Context) -> Bad:
    """Over the 64 KiB bound (padding in an extra field); past MAX_SCANNED_BYTES not even the id is read."""
    _, template = draw(st.sampled_from(sorted(templates(context).items())))
    size = draw(st.integers(MAX_REPORT_BYTES + 1, MAX_SCANNED_BYTES + 64 * 1024))

    def build(c: str) -> bytes:
        report = template(c)
        body = _encode(report | {"padding": ""})
        padded = _encode(report | {"padding": "x" * max(size - len(body), 0)})
        return padded

    return Bad(f"{size} bytes", build, frozenset({MALFORMED}), f"the limit is {MAX_REPORT_BYTES}",
               answered=size <= MAX_SCANNED_BYTES, dead_lettered=True,
               local=("too_large", f"the limit is {MAX_REPORT_BYTES}"))


INVALID_UTF8 = [b"\xff", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80", b"\xf8\x88\x80\x80\x80",
                b"\xc0\xaf"]


JsonPath = tuple[str | int, ...]


def json_paths(value: Any, at: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every value in a decoded JSON document, nested ones included, with its path (keys and list indices)."""
    yield at, value
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from json_paths(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from json_paths(inner, (*at, index))


def json_path(at: JsonPath) -> str:
    """The path as msgspec names it in an error (``$.persons[0].sex``)."""
    return "$" + "".join(f".{step}" if isinstance(step, str) else f"[{step}]" for step in at)


def _replaced(report: dict[str, Any], at: JsonPath, value: Any) -> dict[str, Any]:
    """A deep copy of the report with the value at ``at`` replaced."""
    copy: dict[str, Any] = json.loads(json.dumps(report))
    holder: Any = copy
    for step in at[:-1]:
        holder = holder[step]
    holder[at[-1]] = value
    return copy


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return {str: "str", float: "float", list: "array", dict: "object"}.get(type(value), "null")


_ANY_VALUE: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(max_size=12),
    "int": st.integers(),
    "float": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    "bool": st.booleans(),
    "array": st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    "object": st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=4)), max_size=2),
}
"""Values of each JSON kind but null (optional fields take null: it is no wrong type for them)."""

LOCAL_NO_TYPE = ("invalid", "type: required")
"""`liaison send`'s own answer to a report whose ``type`` is missing or not a string."""
LOCAL_NOT_UTF8 = ("invalid_json", "not valid UTF-8")
"""`liaison send`'s own answer to a line that is not UTF-8."""


@st.composite
def wrong_type_at_any_depth(draw: st.DrawFn, kinds: dict[str, Template]) -> Bad:
    """A valid report with one value, at any depth (a nested object's field, a list's item...), replaced by a
    value of another JSON kind (an int is no wrong type for a float)."""
    kind_name, template = draw(st.sampled_from(sorted(kinds.items())))
    paths = sorted(((at, _json_kind(v)) for at, v in json_paths(template("x")) if at and at != ("command_id",)),
                   key=lambda p: json_path(p[0]))
    at, own = draw(st.sampled_from(paths), label="path")
    wrong = sorted(set(_ANY_VALUE) - {own} - ({"int"} if own == "float" else set()))
    value = draw(st.sampled_from(wrong).flatmap(lambda k: _ANY_VALUE[k]), label="wrong value")
    return Bad(f"{kind_name} with {json_path(at)} = {value!r}", lambda c: _encode(_replaced(template(c), at, value)),
               frozenset({MALFORMED}), f"`{json_path(at)}`", dead_lettered=True,
               local=LOCAL_NO_TYPE if at == ("type",) else None)


INVALID_UTF8 = [b"\xff", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80", b"\xf8\x88\x80\x80\x80",
                b"\xc0\xaf"]


@st.composite
def invalid_utf8_anywhere(draw: st.DrawFn, kinds: dict[str, Template]) -> Bad:
    """A valid report with bytes that are not UTF-8 (an overlong form, a surrogate, a cut sequence...) put into
    any of its strings, at any depth (the command id aside: then nobody could be answered)."""
    kind_name, template = draw(st.sampled_from(sorted(kinds.items())))
    paths = sorted((at for at, v in json_paths(template("x")) if isinstance(v, str) and at != ("command_id",)),
                   key=json_path)
    at = draw(st.sampled_from(paths), label="path")
    bad = draw(st.sampled_from(INVALID_UTF8), label="bytes")
    where = draw(st.integers(0, 40), label="offset")

    def build(c: str) -> bytes:
        report = template(c)
        holder: Any = report
        for step in at[:-1]:
            holder = holder[step]
        text = holder[at[-1]]
        marker = "\u2063"  # an invisible separator, replaced by the bad bytes after encoding
        cut = min(where, len(text))
        holder[at[-1]] = text[:cut] + marker + text[cut:]
        return _encode(report).replace(marker.encode(), bad)

    return Bad(f"{kind_name} with {bad!r} in {json_path(at)}", build, frozenset({MALFORMED}), "not valid UTF-8",
               dead_lettered=True, local=LOCAL_NOT_UTF8)


def wrong_type_nested(draw: st.DrawFn, context: Context) -> Bad:
    """A hotline report with a value of the wrong JSON type at any depth."""
    return draw(wrong_type_at_any_depth(templates(context)))


def invalid_utf8(draw: st.DrawFn, context: Context) -> Bad:
    """A hotline report with bytes that are not UTF-8 in any of its strings."""
    return draw(invalid_utf8_anywhere(templates(context)))


TIME_FIELDS = {"LogCall": ["at", "started_at", "ended_at"], "SendLetter": ["at"], "ReceiveLetter": ["at"],
               "AcknowledgeMessage": ["at"], "ConfirmInWriting": ["at"]}


@st.composite
def naive_time(draw: st.DrawFn, context: Context) -> Bad:
    """A time without its UTC offset."""
    kind_name, template = draw(st.sampled_from(sorted(templates(context).items())))
    field = draw(st.sampled_from(TIME_FIELDS[kind_name]))

    def build(c: str) -> bytes:
        report = template(c)
        return _encode(report | {field: report[field][:-6]})

    return Bad(f"naive {kind_name}.{field}", build, frozenset({MALFORMED}), f"timezone component - at `$.{field}`",
               dead_lettered=True)


@st.composite
def wrong_offset(draw: st.DrawFn, context: Context) -> Bad:
    """A time with an offset other than the sending unit's (+07:00 Vietnam, +08:00 China)."""
    kind_name, template = draw(st.sampled_from(sorted(templates(context).items())))
    field = draw(st.sampled_from(TIME_FIELDS[kind_name]))
    own = "+08:00" if template("x")["unit"].startswith("CN") else "+07:00"
    hours = draw(st.integers(-12, 14))
    minutes = draw(st.sampled_from([0, 30, 45]))
    offset = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:{minutes:02d}"
    if offset == own:
        offset = "+00:00"

    def build(c: str) -> bytes:
        report = template(c)
        return _encode(report | {field: report[field][:-6] + offset})

    return Bad(f"{kind_name}.{field} at {offset}", build, frozenset({"wrong_offset"}), f"{field}: ")


UNIT_FIELDS = {"LogCall": ["unit", "caller_unit", "callee_unit"], "SendLetter": ["unit", "to_unit"],
               "ReceiveLetter": ["unit", "from_unit"], "AcknowledgeMessage": ["unit"], "ConfirmInWriting": ["unit"]}


@st.composite
def unknown_unit(draw: st.DrawFn, context: Context) -> Bad:
    """A unit code that is not in the registry."""
    kind_name, template = draw(st.sampled_from(sorted(templates(context).items())))
    field = draw(st.sampled_from(UNIT_FIELDS[kind_name]))
    code = draw(st.text(min_size=1, max_size=24).filter(lambda t: t not in UNIT_CODES))
    if field == "unit":  # no key can be registered for an unknown unit: the signature check answers first (ADR 0020)
        return Bad(f"{kind_name}.{field} = {code!r}", lambda c: _encode(template(c) | {field: code}),
                   frozenset({"unsigned"}), "signature: the report is not signed")
    return Bad(f"{kind_name}.{field} = {code!r}", lambda c: _encode(template(c) | {field: code}),
               frozenset({"unknown_unit"}), f"{field}: unknown unit")


@st.composite
def forged_case(draw: st.DrawFn, context: Context) -> Bad:
    """A case or message that does not exist, or one the sending unit takes no part in."""
    choice = draw(st.sampled_from(["unknown case", "not a party", "forged message", "opening on another's case"]))
    if choice == "unknown case":
        case_id = draw(st.text(min_size=1, max_size=40).filter(lambda t: t != context.case_id))
        kind = draw(st.sampled_from(["ack", "confirm"]))
        maker = acknowledge if kind == "ack" else confirm
        return Bad(f"{kind} of case {case_id!r}", lambda c: _encode(maker(case_id, context.call_id, c)),
                   frozenset({"unknown_case"}), "case_id: there is no case")
    if choice == "not a party":
        return Bad("ack by a unit not in the case",
                   lambda c: _encode(acknowledge(context.case_id, context.call_id, c, unit="VN-LCH-BGC",
                                                 at="2026-11-23T10:25:00+07:00")),
                   frozenset({"unknown_case"}), "case_id: there is no case")  # need-to-know: as for no case
    if choice == "forged message":
        message_id = draw(st.text(min_size=1, max_size=40).filter(lambda t: t != context.call_id))
        return Bad(f"ack of message {message_id!r}", lambda c: _encode(acknowledge(context.case_id, message_id, c)),
                   frozenset({"unknown_message"}), "message_id: case")
    return Bad("a call on another units' case",
               lambda c: _encode(log_call(c, case_id=context.case_id, unit="VN-LC-BGC", caller_unit="VN-LC-BGC",
                                          callee_unit="CN-HH-BMT")),
               frozenset({"unknown_case"}), "case_id: there is no case")  # need-to-know: as for no case


FAULTS = {
    "wrong_type": wrong_type,
    "wrong_type_nested": st.composite(wrong_type_nested),
    "missing_field": missing_field,
    "no_command_id": no_command_id,
    "unknown_type": unknown_type,
    "oversized": oversized,
    "invalid_utf8": st.composite(invalid_utf8),
    "naive_time": naive_time,
    "wrong_offset": wrong_offset,
    "unknown_unit": unknown_unit,
    "forged_case": forged_case,
}



# --- the incidents service ----------------------------------------------------------------------

CASE_PLACEHOLDERS = ("IN-REPLACEME", "HO-REPLACEME", "PT-REPLACEME", "MT-REPLACEME", "HL-REPLACEME")
"""The case ids ``liaison example`` leaves for the sender to fill in."""


@dataclass(frozen=True)
class IncidentContext:
    """What the incidents baseline opened: a case of each kind (by placeholder) and a handover's subject."""

    cases: dict[str, str]
    subject_id: str
    now: datetime


def _filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    return value


def incident_example(kind: str, context: IncidentContext, command_id: str) -> dict[str, Any]:
    """``liaison example KIND``'s report, about the baseline's cases and subject, under ``command_id``."""
    ids = context.cases | {SUBJECT_PLACEHOLDER: context.subject_id}
    report: dict[str, Any] = _filled(INCIDENT_EXAMPLES[kind](context.now), ids)
    return report | {"command_id": command_id}


def incident_templates(context: IncidentContext) -> dict[str, Template]:
    """Valid reports of every incidents type (on the baseline's cases), one per type."""

    def template(kind: str) -> Template:
        return lambda command_id: incident_example(kind, context, command_id)

    return {kind: template(kind) for kind in INCIDENT_EXAMPLES}


def _incidents_wrong_type(draw: st.DrawFn, context: IncidentContext) -> Bad:
    """An incidents report with a value of the wrong JSON type at any depth."""
    return draw(wrong_type_at_any_depth(incident_templates(context)))


def _incidents_invalid_utf8(draw: st.DrawFn, context: IncidentContext) -> Bad:
    """An incidents report with bytes that are not UTF-8 in any of its strings."""
    return draw(invalid_utf8_anywhere(incident_templates(context)))


INCIDENT_FAULTS = {
    "wrong_type_at_any_depth": st.composite(_incidents_wrong_type),
    "invalid_utf8_anywhere": st.composite(_incidents_invalid_utf8),
}
"""Mutations of valid incidents reports, each drawn by ``INCIDENT_FAULTS[name](context)``."""

__all__ = ["CN", "FAULTS", "INCIDENT_FAULTS", "VN", "Bad", "Context", "IncidentContext", "incident_example",
           "templates"]

"""Hypothesis strategies of bad hotline reports, each with the answer it must get.

A strategy draws everything but the command id; ``Bad.make(command_id)`` gives the bytes, so every
example the tests send carries a fresh id. Each kind of fault knows what a precise answer looks
like: its reason code(s) and a fragment naming the field or the problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from hypothesis import strategies as st

from services.hotline.domain.commands import COMMAND_TYPES
from services.hotline.intake import MAX_SCANNED_BYTES
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
               frozenset({MALFORMED}), f"`$.{field}`", dead_lettered=True)


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
               dead_lettered=True)


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

    return Bad("no command id", build, frozenset({MALFORMED}), "command_id", answered=False, dead_lettered=True)


@st.composite
def unknown_type(draw: st.DrawFn, context: Context) -> Bad:
    """A report type no service handles."""
    _, template = draw(st.sampled_from(sorted(templates(context).items())))
    kind = draw(st.text(min_size=1, max_size=30).filter(lambda t: t not in COMMAND_TYPES))
    return Bad(f"type {kind!r}", lambda c: _encode(template(c) | {"type": kind}), frozenset({MALFORMED}),
               "`$.type`", dead_lettered=True)


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
               answered=size <= MAX_SCANNED_BYTES, dead_lettered=True)


INVALID_UTF8 = [b"\xff", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80", b"\xf8\x88\x80\x80\x80",
                b"\xc0\xaf"]


@st.composite
def invalid_utf8(draw: st.DrawFn, context: Context) -> Bad:
    """A string value with bytes that are not UTF-8 (an overlong form, a surrogate, a cut sequence...)."""
    _, template = draw(st.sampled_from(sorted(templates(context).items())))
    bad = draw(st.sampled_from(INVALID_UTF8))
    at = draw(st.integers(0, 9))

    def build(c: str) -> bytes:
        report = template(c)
        officer = report["officer"]
        marker = "\u2063"  # an invisible separator, replaced by the bad bytes after encoding
        report["officer"] = officer[:at] + marker + officer[at:]
        return _encode(report).replace(marker.encode(), bad)

    return Bad(f"officer with {bad!r}", build, frozenset({MALFORMED}), "not valid UTF-8", dead_lettered=True)


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
                   frozenset({"not_party"}), "unit: VN-LCH-BGC is not a party")
    if choice == "forged message":
        message_id = draw(st.text(min_size=1, max_size=40).filter(lambda t: t != context.call_id))
        return Bad(f"ack of message {message_id!r}", lambda c: _encode(acknowledge(context.case_id, message_id, c)),
                   frozenset({"unknown_message"}), "message_id: case")
    return Bad("a call on another units' case",
               lambda c: _encode(log_call(c, case_id=context.case_id, unit="VN-LC-BGC", caller_unit="VN-LC-BGC",
                                          callee_unit="CN-HH-BMT")),
               frozenset({"not_party"}), "unit: VN-LC-BGC is not a party")


FAULTS = {
    "wrong_type": wrong_type,
    "missing_field": missing_field,
    "no_command_id": no_command_id,
    "unknown_type": unknown_type,
    "oversized": oversized,
    "invalid_utf8": invalid_utf8,
    "naive_time": naive_time,
    "wrong_offset": wrong_offset,
    "unknown_unit": unknown_unit,
    "forged_case": forged_case,
}

__all__ = ["CN", "FAULTS", "VN", "Bad", "Context", "templates"]

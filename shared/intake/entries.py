"""Reading intake entries, for every service: the documented entry format, decoding, and what makes an
entry malformed. Each service gives the reader its own command union and report class.

Entry format (what the CLI and the HTTP gateway write, and what any tool may write)::

    XADD liaison:intake:<service> * report <JSON report> signature ed25519:<key id>:<base64> [principal <JSON>]

``report`` holds one report as UTF-8 JSON (``liaison example TYPE`` prints one); ``signature`` signs
it with the unit's registered key, or ``principal`` names whom an attesting key vouches for
(shared/access/signatures.py, ADR 0020); the pipeline checks both. Other fields are ignored. A
message published by a FastStream ``RedisBroker`` (``broker.publish(report, stream=..., headers=
{"signature": ...})``) is read too: FastStream writes its own envelope in one ``__data__`` field,
which is opened with FastStream's own parser, its headers carrying the signature (docs/clients.md). Anything that
cannot be read as a report goes to the dead-letter stream with the reason, and is answered when its
command id can be read; the service goes on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from faststream.redis.parser.binary import BinaryMessageFormatV1

from shared.access.signatures import PRINCIPAL_FIELD, SIGNATURE_FIELD
from shared.events.envelope import Proof

REPORT_FIELD = b"report"
FASTSTREAM_FIELD = b"__data__"
"""The one field FastStream's RedisBroker writes: its envelope (headers, then the message body)."""
MAX_REPORT_BYTES = 64 * 1024
"""Larger reports are refused (dead-lettered, and answered when their command id can be read); the
same limit as ``liaison send``'s, so a tool writing to the intake directly meets the same bound."""

MAX_SCANNED_BYTES = 1024 * 1024
"""Up to this size, a refused report is still scanned for its command id, so its sender gets an answer;
beyond it the entry is only dead-lettered (scanning megabytes to answer garbage is not worth it)."""

class _CommandIdOnly(msgspec.Struct):
    command_id: str


_id_decoder = msgspec.json.Decoder(_CommandIdOnly)


class Command(Protocol):
    """What the reader needs of a decoded command."""

    @property
    def command_id(self) -> str: ...


C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True)
class Report(Generic[C]):
    """A readable report: its entry, the command, and the case it is about (None: it names none)."""

    entry_id: bytes
    command: C
    case_id: str | None
    fields: dict[bytes, bytes]
    raw: bytes = b""
    """The report's bytes as received: what its signature covers."""
    signature: bytes | None = None
    principal: bytes | None = None
    proof: Proof | None = None
    """Set once the signature is checked: kept with the first event the report records."""

    @property
    def command_id(self) -> str:
        """The report's command id."""
        return self.command.command_id


def proven(events: Sequence[E], proof: Proof | None) -> list[E]:
    """The events a report recorded, its proof kept on the first (the others share its ``causation_id``)."""
    if proof is None or not events:
        return list(events)
    return [msgspec.structs.replace(events[0], proof=proof), *events[1:]]


@dataclass(frozen=True, slots=True)
class Malformed:
    """An entry that cannot be read as a report, why, and its command id if one could be read."""

    entry_id: bytes
    reason: str
    command_id: str | None
    fields: dict[bytes, bytes]


def _readable_command_id(raw: bytes) -> str | None:
    """The command_id of a report that failed to decode, when its JSON still yields one.

    msgspec skips the fields it is not asked for without checking their UTF-8, so the id of a
    report with an invalid byte elsewhere is still found.
    """
    if len(raw) > MAX_SCANNED_BYTES:
        return None
    try:
        found = _id_decoder.decode(raw).command_id
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    return found if 0 < len(found) <= 128 else None


def _problem(raw: bytes) -> str | None:
    """Why these bytes are not a report, or None if they may be one."""
    if len(raw) > MAX_REPORT_BYTES:
        return f"report is {len(raw)} bytes; the limit is {MAX_REPORT_BYTES} (64 KiB)"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"report is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})"
    return None


R = TypeVar("R", bound=Report[Any])


class EntryReader(Generic[R]):
    """Decodes a service's intake entries into its report class; never raises on bad input."""

    def __init__(self, commands: Any, report_type: type[R], case_id_of: Callable[[Any], str | None]) -> None:
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(commands)
        self._report_type = report_type
        self._case_id_of = case_id_of

    def read(self, entry_id: bytes, fields: dict[bytes, bytes]) -> R | Malformed:
        """Decode one intake entry."""
        raw = fields.get(REPORT_FIELD)
        signature, principal = fields.get(SIGNATURE_FIELD), fields.get(PRINCIPAL_FIELD)
        if raw is None and FASTSTREAM_FIELD in fields:
            raw, headers = faststream_message(fields[FASTSTREAM_FIELD])
            signature, principal = _header(headers, "signature"), _header(headers, "principal")
        if raw is None:
            names = ", ".join(sorted(k.decode("utf-8", "replace") for k in fields)) or "none"
            reason = f"entry has no 'report' field (fields: {names}); write: XADD <intake> * report <JSON report>"
            return Malformed(entry_id, reason, None, fields)
        problem = _problem(raw)
        if problem is not None:
            return Malformed(entry_id, problem, _readable_command_id(raw), fields)
        try:
            command = self._decoder.decode(raw)
        except msgspec.ValidationError as err:
            return Malformed(entry_id, f"invalid report: {err}", _readable_command_id(raw), fields)
        except msgspec.DecodeError as err:
            return Malformed(entry_id, f"report is not valid JSON: {err}", None, fields)
        return self._report_type(entry_id, command, self._case_id_of(command), fields, raw, signature, principal)


def faststream_message(envelope: bytes) -> tuple[bytes, dict[str, Any]]:
    """The body and headers of a FastStream envelope, read with FastStream's own parser (its binary format, or its
    older JSON envelope); the envelope itself if it is neither (then it is read, and refused, as a report)."""
    try:
        body, headers = BinaryMessageFormatV1.parse(envelope)
    except Exception:  # FastStream's parser falls back by itself; anything it still cannot read is not its format
        return envelope, {}
    return body, headers if isinstance(headers, dict) else {}




def _header(headers: dict[str, Any], name: str) -> bytes | None:
    """A FastStream header as bytes (FastStream keeps headers as text); None if absent or not text."""
    value = headers.get(name)
    return value.encode("utf-8") if isinstance(value, str) else None


def dead_letter_fields(stream: str, item: Report[Any] | Malformed, reason: str) -> dict[str, bytes | str]:
    """The dead-letter entry: reason, where it came from, and the original bytes of every field.

    ``original`` is the report field as received; any other field is kept as ``original.<name>``.
    """
    out: dict[str, bytes | str] = {
        "reason": reason,
        "stream": stream,
        "entry_id": item.entry_id.decode(),
        "original": item.fields.get(REPORT_FIELD, b""),
    }
    command_id = item.command_id
    if command_id is not None:
        out["command_id"] = command_id
    for name, value in item.fields.items():
        if name != REPORT_FIELD:
            out[f"original.{name.decode('utf-8', 'replace')}"] = value
    return out


KEPT_WHEN_WITHHELD = ("reason", "stream", "entry_id", "command_id")


def withheld_fields(dead: dict[str, bytes | str], why: str, raw: bytes | None = None) -> dict[str, bytes | str]:
    """A dead letter without the report: reason, origin, command id, and the report's size and SHA-256.

    For a report whose content may not be kept (ADR 0016); the hash still lets an operator
    match the dead letter with a copy the sender holds.
    """
    if raw is None:  # the report field as received; a FastStream envelope's body is given as ``raw``
        original = dead.get("original", b"")
        raw = original.encode() if isinstance(original, str) else original
    out = {name: dead[name] for name in KEPT_WHEN_WITHHELD if name in dead}
    out |= {"withheld": why, "size": str(len(raw)), "sha256": hashlib.sha256(raw).hexdigest()}
    return out

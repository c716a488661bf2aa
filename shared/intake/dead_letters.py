"""Dead letters keep no vault subject's name (ADR 0016); a batch's dead letters are checked in one lookup.

Dead letters are kept for ever and ``liaison forget`` does not touch them, so the dead letter of
a report naming a person held in the vault (a malformed one never went through the names check;
a given-up one may name someone registered since) keeps only its reason, origin, command id and
the report's size and SHA-256; its intake entry is deleted once answered. A report naming nobody
keeps its body: an operator needs it to see what went wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis

from shared.intake.batch_io import Finished
from shared.intake.entries import MAX_REPORT_BYTES, withheld_fields
from shared.outcomes import Reason
from shared.vault.store import Vault

MAX_CHECKED_BYTES = 2 * MAX_REPORT_BYTES
"""A dead letter whose fields hold more is not searched for names (that costs a hash per run of
words) and its body is never kept: an operator gets its size and hash."""

NAMES_A_SUBJECT = "the report names a person whose data is held in the vault: only its size and SHA-256 are kept"
TOO_LARGE = f"the entry holds over {MAX_CHECKED_BYTES} bytes, too many to check for names: only the report's size " \
            "and SHA-256 are kept"
REASON_WITHHELD = ("reason withheld: it would repeat the name of a person whose data is held in the vault; "
                   "refer to them only by their subject id")

_OURS = frozenset({"reason", "stream", "entry_id"})
"""Dead-letter fields the service wrote itself (the reason is checked on its own)."""

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


async def withhold_names(redis: Redis, finished: Sequence[Finished]) -> None:
    """Strip the body of each dead letter that names a vault subject (or is too large to check); mark its entry.

    One names lookup for the whole batch; none when the batch has no dead letter.
    """
    dead = [item for item in finished if item.dead is not None]
    if not dead:
        return
    small = [_size(item) <= MAX_CHECKED_BYTES for item in dead]
    groups: list[list[str]] = []
    for item, checked in zip(dead, small, strict=True):
        groups += [_content(item) if checked else [], [str(_fields(item)["reason"])], _command_id(item)]
    named = await Vault(redis).named_in_each(groups)
    for item, checked, in_content, in_reason, in_id in zip(
        dead, small, named[0::3], named[1::3], named[2::3], strict=True
    ):
        if in_reason:  # e.g. msgspec quoting an enum value the name was written in
            _withhold_reason(item)
        if not checked:
            _withhold(item, TOO_LARGE)
        elif in_content or in_reason:
            _withhold(item, NAMES_A_SUBJECT)
        if in_id:  # the outcome still carries it: the sender's tool waits for that id
            _fields(item).pop("command_id", None)


def log_fields(item: Finished) -> dict[str, str | None]:
    """A dead letter's entry id, command id and reason for a log line, as ``withhold_names`` left them.

    Log lines are kept too: one written before the names check could repeat a vault subject's name.
    """
    fields = _fields(item)
    return {"entry_id": item.entry_id.decode(), "command_id": _text(fields.get("command_id")),
            "reason": _text(fields["reason"])}


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _fields(item: Finished) -> dict[str, bytes | str]:
    assert item.dead is not None
    return item.dead


def _size(item: Finished) -> int:
    return sum(len(name) + len(value) for name, value in _fields(item).items() if name not in _OURS)


def _command_id(item: Finished) -> list[str]:
    found = _fields(item).get("command_id")
    return [] if found is None else [found.decode("utf-8", "replace") if isinstance(found, bytes) else found]


def _content(item: Finished) -> list[str]:
    """Every text of what the sender wrote: the field names, and each field read as JSON or else as text."""
    found: list[str] = []
    for name, value in _fields(item).items():
        if name not in _OURS:
            found.append(name)
            found.extend(texts_in(value))
    return found


def texts_in(value: bytes | str) -> list[str]:
    """The strings (keys included) of a JSON value; for bytes that are not JSON, the bytes as one text.

    Every string, not only the free texts: a malformed report may hold a name anywhere.
    JSON escapes in undecodable bytes are undone, so ``\\u1ec5`` still reads as ``ễ``.
    """
    raw = value.encode() if isinstance(value, str) else value
    try:
        return list(_strings(msgspec.json.decode(raw)))
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return [_ESCAPE.sub(_unescape, raw.decode("utf-8", "replace"))]


def _strings(value: Any) -> Iterator[str]:
    pending = [value]  # not recursive: msgspec decodes nesting deeper than Python's recursion limit allows
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    if len(escaped) == 5 and not 0xD800 <= int(escaped[1:], 16) <= 0xDFFF:
        return chr(int(escaped[1:], 16))
    return " "  # \n, \", a lone surrogate...: a word boundary, as in the decoded text


def _withhold(item: Finished, why: str) -> None:
    item.dead = withheld_fields(_fields(item), why)
    item.drop_entry = True


def _withhold_reason(item: Finished) -> None:
    _fields(item)["reason"] = REASON_WITHHELD
    if item.outcome is not None and item.outcome.reason is not None:
        item.outcome = msgspec.structs.replace(item.outcome, reason=Reason(item.outcome.reason.code, REASON_WITHHELD))

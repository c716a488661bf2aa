"""The export file of ``liaison export`` / ``liaison import``: JSON lines, a header then the log (pure).

Line 1 is the ``Header``. Then, partition by partition in order, every log entry (``Entry``:
its partition, stream id and the stored fields ``n``, ``prev``, ``hash``, ``e`` exactly as
recorded, ``e`` being the event's canonical JSON as a string, so every hash recomputes), and
after a partition's entries its command records (``Command``: which entries one report wrote,
so a resent report is still recognised after an import).
"""

from __future__ import annotations

from typing import Literal

import msgspec

FORMAT = "liaison-export"
VERSION = 1


class PartitionTotal(msgspec.Struct, frozen=True, kw_only=True):
    """How many log entries and command records one partition exports."""

    partition: int
    entries: int
    commands: int


class Header(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="header"):
    """The first line: what follows, so an importer can check it is all there."""

    format: str
    version: int
    partitions: int
    exported_at: str
    """UTC, ISO 8601."""
    events: int
    cases: int
    counts: list[PartitionTotal]
    digest: str
    """sha256 over every case's ``case version hash`` head line, sorted (as ``liaison replay`` prints)."""


class Entry(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="entry"):
    """One log entry as stored."""

    partition: int
    id: str
    n: int
    prev: str
    hash: str
    e: str


class Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="command"):
    """One recorded report: its command id and the stream ids of the entries it wrote."""

    partition: int
    command_id: str
    ids: list[str]


Line = Header | Entry | Command
Kind = Literal["header", "entry", "command"]

encoder = msgspec.json.Encoder()
line_decoder = msgspec.json.Decoder(Line)


def stream_id(text: str) -> tuple[int, int]:
    """A Redis stream id ``ms-seq`` as numbers, to compare in stream order; ValueError if malformed."""
    ms, _, seq = text.partition("-")
    if not (ms.isdigit() and seq.isdigit()):
        raise ValueError(f"{text!r} is not a stream id (ms-seq)")
    return int(ms), int(seq)

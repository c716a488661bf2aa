"""The resumable position of a case-updates subscriber: one stream entry id per partition.

It is the SSE ``id:`` of every event the gateway sends, so a browser's ``EventSource`` hands it
back as ``Last-Event-ID`` when it reconnects. Partitions have no order among themselves
(ADR 0001), so no single entry id could say how far a subscriber got: the position names
the last entry seen in every partition's updates stream.

Text form: the entry ids in partition order, comma-separated, ``0-0`` written ``0`` and a
``-0`` sequence left out (``1763865000123-2,0,1763865000456``): about 14 bytes a partition.
"""

from __future__ import annotations

import re

START = "0-0"
"""Before the first entry of a stream."""
BLANK = " \t"
"""What may stand around a position (HTTP's optional white space); any other character is refused."""

_PIECE = re.compile(r"[0-9]{1,20}(-[0-9]{1,20})?")
"""ASCII digits only: ``\\d`` would take other scripts' digits, which int() reads but Redis refuses."""


class BadPosition(ValueError):
    """A ``Last-Event-ID`` this gateway did not write, or written for another partition count."""


def entry_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id as numbers, so two ids compare the way Redis orders them."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def encode(positions: list[str]) -> str:
    """The text form of one position per partition (index = partition)."""
    pieces = []
    for entry_id in positions:
        ms, _, seq = entry_id.partition("-")
        pieces.append(ms if seq in ("", "0") else entry_id)
    return ",".join(pieces)


def decode(text: str, partitions: int) -> list[str]:
    """One full entry id per partition; raises BadPosition saying what is wrong."""
    pieces = text.strip(BLANK).split(",")
    if len(pieces) != partitions:
        raise BadPosition(
            f"Last-Event-ID names {len(pieces)} partition positions; this store has {partitions} partitions"
        )
    positions = []
    for index, piece in enumerate(pieces):
        if not _PIECE.fullmatch(piece):
            raise BadPosition(f"Last-Event-ID: position {index} is {piece[:40]!r}, not a stream entry id")
        positions.append(piece if "-" in piece else f"{piece}-0")
    return positions

"""Identifiers derived deterministically: event ids (UUIDv7 format) and case ids of opening reports.

Both are pure functions of their inputs, so deciding the same command at the same instant
gives the same ids (decide stays pure and reproducible), and an opening report that is sent
again lands on the same case.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

_VERSION_7 = 0x7
_VARIANT_RFC = 0b10
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def event_id(now: datetime, seed: str, index: int) -> str:
    """A UUIDv7-format id: 48 bits of ``now`` in Unix ms, the other bits from sha256(seed|index).

    Ids sort by time (to the millisecond), as UUIDv7 promises; ties within one millisecond are
    ordered by the hash, which is arbitrary but stable.
    """
    if now.tzinfo is None:
        raise ValueError("event_id needs an aware datetime (naive times have no instant)")
    millis = (now - _EPOCH) // timedelta(milliseconds=1)  # integer arithmetic: no float rounding
    if not 0 <= millis < 1 << 48:
        raise ValueError(f"event_id: {now.isoformat()} is outside UUIDv7's 48-bit millisecond range")
    digest = int.from_bytes(hashlib.sha256(f"{seed}|{index}".encode()).digest()[:10], "big")
    rand_a = digest >> 68  # 12 bits
    rand_b = digest & ((1 << 62) - 1)  # 62 bits
    value = (millis << 80) | (_VERSION_7 << 76) | (rand_a << 64) | (_VARIANT_RFC << 62) | rand_b
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


CASE_ID_CHARS = 12
"""Base32 characters of a derived case id: 60 bits, so a million cases collide with odds near 4e-7."""


def case_id_for(command_id: str, prefix: str = "HL") -> str:
    """A stable, readable case id for a case-opening report that names none: ``HL-`` + base32 of sha256."""
    digest = hashlib.sha256(command_id.encode()).digest()
    return f"{prefix}-{base64.b32encode(digest).decode('ascii')[:CASE_ID_CHARS]}"

"""The tamper-evidence chain of a case (ADR 0010): each event's hash covers its predecessor's."""

from __future__ import annotations

import hashlib

GENESIS = "0" * 64
"""The ``prev`` of a case's first event."""


def link(prev: str, data: bytes) -> str:
    """sha256 over the previous hash (hex, ASCII), a newline, and the event's canonical bytes."""
    digest = hashlib.sha256(prev.encode("ascii"))
    digest.update(b"\n")
    digest.update(data)
    return digest.hexdigest()

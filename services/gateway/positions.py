"""The resumable position of a case-updates subscriber: one stream entry id per partition.

It is the SSE ``id:`` of every event the gateway sends, so a browser's ``EventSource`` hands it
back as ``Last-Event-ID`` when it reconnects. Partitions have no order among themselves
(ADR 0001), so no single entry id could say how far a subscriber got: the position names
the last entry seen in every partition's updates stream.

Text form: the entry ids in partition order, comma-separated, ``0-0`` written ``0`` and a
``-0`` sequence left out (``1763865000123-2,0,1763865000456``): about 14 bytes a partition. Readers
who are not auditors get it sealed (``Sealer``): an opaque ``s1.`` token.
"""

from __future__ import annotations

import base64
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


SEALED = "s1."
"""The prefix of a sealed position: what readers who are not auditors get (docs/security.md)."""


class Sealer:
    """Seals positions for readers who may not see every update (AES-GCM), so a position tells them nothing.

    A clear position names how far every partition's updates stream got: across a reader's own updates it
    would show how much the other cases moved, and when. Sealed, it is an opaque token only a gateway
    holding the same key can open, so a client still resumes with it exactly. The key derives from the
    gateway's signing key (every gateway process on a box shares it); without one, from a random key of
    this process (positions then resume in this process only).
    """

    def __init__(self, secret: bytes | None) -> None:
        material = secret if secret is not None else os.urandom(32)
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"liaison update positions v1")
        key = derive.derive(material)
        self._aead = AESGCM(key)

    def seal(self, positions: list[str]) -> str:
        """The opaque text of a position."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, encode(positions).encode("ascii"), SEALED.encode())
        return SEALED + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def open(self, text: str, partitions: int) -> list[str]:
        """The position a sealed text names; BadPosition if this gateway's key did not seal it."""
        body = text.strip(BLANK)[len(SEALED):]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            clear = self._aead.decrypt(raw[:12], raw[12:], SEALED.encode()).decode("ascii")
        except (ValueError, InvalidTag, UnicodeDecodeError):
            raise BadPosition("Last-Event-ID: a sealed position this gateway did not write") from None
        return decode(clear, partitions)


def secret_of(key: Ed25519PrivateKey | None) -> bytes | None:
    """The raw bytes of the gateway's signing key, the material positions are sealed with."""
    if key is None:
        return None
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())

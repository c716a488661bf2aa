"""Key files (pure): a unit's Ed25519 key pair as PEM, each file naming its unit on its first line.

``liaison keygen`` writes them; audit reports and signed reports read them.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

UNIT_LINE = "Liaison unit: "
"""The line a key file starts with, naming its unit (PEM readers skip text before the armour)."""


def key_files(unit: str, private_key: Ed25519PrivateKey) -> tuple[bytes, bytes]:
    """The private key file (PKCS#8 PEM) and the public key file (SubjectPublicKeyInfo PEM), each naming the unit."""
    label = f"{UNIT_LINE}{unit}\n".encode()
    private = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return label + private, label + public


def unit_of(data: bytes) -> str | None:
    """The unit a key file names on its first line (None if it names none)."""
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    return (first[len(UNIT_LINE):].strip() or None) if first.startswith(UNIT_LINE) else None


def load_private(data: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from a key file; ValueError if it is not one."""
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def load_public(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from a public key file; ValueError if it is not one."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key

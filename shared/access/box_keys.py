"""The box's signing keys: files under ``LIAISON_VAR/keys`` (mode 0600), registered in the log (ADR 0020).

``liaison up`` (and ``liaison unit-key init`` for an external Redis) makes one key per seed unit, for
``liaison simulate`` and ``liaison send`` on the box, one for the gateway (it attests the reports of
the tokens it checked) and one for the incidents service (it attests the reports it sends itself).
Never a switch that turns the checks off: each is a real key, registered like any other, revocable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared import units
from shared.access.key_files import key_files, load_private, unit_of
from shared.access.signatures import key_id
from shared.access.unit_keys import register_all
from shared.events.keys import KeyPurpose
from shared.store import EventStore

SERVICES: dict[str, KeyPurpose] = {"gateway": "gateway", "incidents": "service"}
"""Holders that are not units, and what their keys do."""

class SigningKeyMissing(ValueError):
    """A service's signing key cannot be read (the message names the variable and the file)."""


SIGNING_KEY_ENV = "LIAISON_SIGNING_KEY"
"""The key file a service signs with (default: LIAISON_VAR/keys/<service>.key)."""


def purpose_of(holder: str) -> KeyPurpose:
    """What a holder's key does: a service's attests, a unit's signs for that unit."""
    return SERVICES.get(holder, "unit")


def keys_dir(var_dir: Path) -> Path:
    """Where the box keeps its keys."""
    return var_dir / "keys"


def key_path(var_dir: Path, holder: str) -> Path:
    """The private key file of one holder on the box."""
    return keys_dir(var_dir) / f"{holder}.key"


def holders() -> list[str]:
    """Every holder the box keeps a key for: the seed units, the gateway and the incidents service."""
    return [*units.registry(), *SERVICES]


def _load_or_make(path: Path, holder: str) -> Ed25519PrivateKey:
    """The key in ``path``, or a new one put there (0600; the public key beside it) if there is none.

    Written whole or not at all: to a temporary file first, then linked into place (a crash or a second
    process never leaves a half-written key that every later start would fail on). A key file others may
    read is refused: it is no longer the holder's alone.
    """
    try:
        return _private(path)
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    private, public = key_files(holder, key)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{holder}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(private)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process made it first: use that one
            return _private(path)
    finally:
        os.unlink(temporary)
    path.with_suffix(".pub").write_bytes(public)
    return key


def _private(path: Path) -> Ed25519PrivateKey:
    """A private key file's key; refused if anyone but its owner may read it."""
    if path.stat().st_mode & 0o077:
        raise SigningKeyMissing(f"{path}: a private key others may read (mode {path.stat().st_mode & 0o777:o}); "
                                "make it 0600 (chmod 600) or make a new key")
    return load_private(path.read_bytes())


async def ensure(store: EventStore, var_dir: Path) -> list[str]:
    """Make (where missing) and register (where not yet) the box's keys; returns the holders newly registered."""
    made = {holder: _load_or_make(key_path(var_dir, holder), holder) for holder in holders()}
    new = set(await register_all(store, [(key.public_key(), purpose_of(h), h) for h, key in made.items()]))
    return [holder for holder, key in made.items() if key_id(key.public_key()) in new]


def box_key(var_dir: Path, holder: str) -> Ed25519PrivateKey | None:
    """The box's key of one holder, if it has one (refused if others may read it)."""
    try:
        return _private(key_path(var_dir, holder))
    except FileNotFoundError:
        return None


def service_key(env: dict[str, str], var_dir: Path, service: str) -> Ed25519PrivateKey:
    """The key a service signs with: LIAISON_SIGNING_KEY, else the box's; SigningKeyMissing naming what is missing."""
    path = Path(env[SIGNING_KEY_ENV]) if env.get(SIGNING_KEY_ENV) else key_path(var_dir, service)
    try:
        data = path.read_bytes()
        if path.stat().st_mode & 0o077:
            raise SigningKeyMissing(f"{SIGNING_KEY_ENV}: {path} is a private key others may read (mode "
                                    f"{path.stat().st_mode & 0o777:o}); make it 0600")
    except OSError as err:
        raise SigningKeyMissing(f"{SIGNING_KEY_ENV}: cannot read the {service}'s signing key {path}: "
                            f"{err.strerror or err}; `liaison unit-key init` makes the box's keys") from None
    if unit_of(data) != service:
        raise SigningKeyMissing(f"{SIGNING_KEY_ENV}: {path} is not the {service}'s key (its first line must name "
                            f"{service!r})")
    try:
        return load_private(data)
    except (ValueError, TypeError) as err:
        raise SigningKeyMissing(f"{SIGNING_KEY_ENV}: {path} is not an Ed25519 private key: {err}") from None

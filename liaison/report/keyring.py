"""The keys ``liaison send`` and ``liaison simulate`` sign reports with: ``--key`` files, then the box's own.

A report is signed with the key of the unit it speaks for (ADR 0020). Without one it goes unsigned,
and its service answers ``unsigned``, saying how to sign: the CLI never decides for the service.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from liaison import exits
from shared import units
from shared.access.box_keys import SigningKeyMissing, box_key
from shared.access.key_files import load_private, unit_of
from shared.access.signatures import signed_entry
from shared.settings import load


class _Unit(msgspec.Struct):
    unit: str = ""


_unit_of_report = msgspec.json.Decoder(_Unit).decode


class Keyring:
    """Private keys by unit code."""

    def __init__(self, keys: dict[str, Ed25519PrivateKey] | None = None) -> None:
        self.keys = dict(keys or {})

    @classmethod
    def of_box(cls, extra: Sequence[str] = ()) -> Keyring:
        """The ``--key`` files given, then the box's keys of every seed unit (LIAISON_VAR/keys), where present."""
        var_dir = load().var_dir
        try:
            ring = cls({code: key for code in units.registry() if (key := box_key(var_dir, code)) is not None})
        except SigningKeyMissing as err:
            raise exits.CliError(str(err)) from err
        for path in extra:
            unit, key = read_key_file(path)
            ring.keys[unit] = key
        return ring

    def entry(self, line: bytes) -> dict[str, bytes]:
        """The intake entry of one report: signed by its unit's key, if this ring holds it."""
        try:
            unit = _unit_of_report(line).unit
        except (msgspec.DecodeError, UnicodeDecodeError):
            unit = ""
        key = self.keys.get(unit)
        return {"report": line} if key is None else signed_entry(line, key)


def read_key_file(path: str) -> tuple[str, Ed25519PrivateKey]:
    """The unit a private key file names, and its key; a clear refusal naming ``--key`` otherwise."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise exits.CliError(f"--key: cannot read {path}: {err.strerror or err}") from err
    unit = unit_of(data)
    if unit is None or units.get(unit) is None:
        raise exits.CliError(f"--key: {path} names no known unit on its first line (liaison keygen --unit UNIT "
                             "writes one)")
    try:
        return unit, load_private(data)
    except (ValueError, TypeError) as err:
        raise exits.CliError(f"--key: {path} is not an Ed25519 private key file: {err}") from err

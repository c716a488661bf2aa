"""``liaison person add [FILE|-]`` and ``liaison person show SUBJECT``: the personal-data vault from the box.

``add`` checks one JSON object of personal data (``shared.vault.persons``), seals it in the
vault under a fresh subject id and prints the id: reports then name the person by it alone.
``show`` decrypts a person's data for an operator on the box (whoever can reach Redis holds the
keys anyway); once the person is forgotten it says so, and nothing can bring the data back.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from liaison import exits
from liaison.connect import open_redis, open_vault
from shared.vault.persons import InvalidPerson, decode_person, register
from shared.vault.store import VaultError


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as err:
        raise exits.CliError(f"cannot read {source}: {err.strerror}") from None


def _print(value: dict[str, Any]) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


async def add(source: str, as_json: bool) -> int:
    """Register the person described in ``source`` (a file, or - for standard input); prints the subject id."""
    try:
        personal = decode_person(_read(source).strip())
    except InvalidPerson as err:
        raise exits.CliError(str(err), exits.REJECTED) from None
    client = await open_redis()
    try:
        subject_id = await register(client, personal)
    except VaultError as err:  # e.g. the index key lost apart from the index (docs/security.md): say it in one line
        raise exits.CliError(str(err), exits.REJECTED) from None
    finally:
        await client.aclose()
    if as_json:
        _print({"subject_id": subject_id})
    else:
        print(subject_id)
    return exits.OK


async def show(subject_id: str, as_json: bool) -> int:
    """Print a person's data (exit 0); say they were forgotten, or are unknown (exit 1)."""
    async with open_vault(subject_id) as vault:
        try:
            personal = await vault.get(subject_id)
        except VaultError as err:
            raise exits.CliError(str(err), exits.TAMPERED) from None
        forgotten = personal is None and await vault.is_forgotten(subject_id)
    state = "held" if personal is not None else "forgotten" if forgotten else "unknown"
    if as_json:
        _print({"subject_id": subject_id, "state": state} | ({"personal": personal} if personal else {}))
    elif personal is not None:
        print(f"{subject_id}:")
        for field, value in personal.items():
            print(f"  {field}: {value if isinstance(value, str) else msgspec.json.encode(value).decode()}")
    elif forgotten:
        print(f"{subject_id}: forgotten — the person's key was deleted; their data cannot be recovered")
    else:
        print(f"{subject_id}: unknown — the vault holds no data for this subject id")
    return exits.OK if personal is not None else exits.REJECTED

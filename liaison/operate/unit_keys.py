"""``liaison unit-key init | register | revoke | list``: the keys that may sign reports, recorded in the log.

Registering and revoking append events to the case ``UNIT-KEYS`` (ADR 0020); an intake reads that
case at most a second apart, so ``revoke`` waits that second before it returns: once it has, no
intake accepts the key any more.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from liaison import exits
from liaison.connect import open_redis, open_store
from shared import units
from shared.access import box_keys, unit_keys
from shared.access.key_files import load_public, unit_of
from shared.access.signatures import REGISTRY_CASE
from shared.settings import load


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def _holder(code: str) -> str:
    if code in box_keys.SERVICES or units.get(code) is not None:
        return code
    raise exits.CliError(f"UNIT: unknown unit {code!r} (the codes are in shared/units.json; the services' keys are "
                         f"{', '.join(box_keys.SERVICES)})")


async def init(as_json: bool) -> int:
    """Make and register the box's keys (one per seed unit, the gateway's, the incidents service's)."""
    var_dir = load().var_dir
    client = await open_redis()
    try:
        new = await box_keys.ensure(await open_store(client), var_dir)
    except box_keys.SigningKeyMissing as err:
        raise exits.CliError(str(err)) from err
    finally:
        await client.aclose()
    if as_json:
        _print_json({"registered": new, "keys_dir": str(box_keys.keys_dir(var_dir))})
    else:
        print(f"{len(new)} keys registered now, {len(box_keys.holders()) - len(new)} were already; private keys in "
              f"{box_keys.keys_dir(var_dir)} (mode 0600)")
    return exits.OK


def register(code: str, public_file: str, as_json: bool) -> int:
    """Register the public key in ``public_file`` for ``code`` (the file must name the same holder)."""
    holder = _holder(code)
    try:
        data = Path(public_file).read_bytes()
    except OSError as err:
        raise exits.CliError(f"PUBFILE: cannot read {public_file}: {err.strerror or err}") from err
    named = unit_of(data)
    if named != holder:
        raise exits.CliError(f"PUBFILE: {public_file} names {named!r} on its first line, not {holder!r}")
    try:
        public = load_public(data)
    except (ValueError, TypeError) as err:
        raise exits.CliError(f"PUBFILE: {public_file} is not an Ed25519 public key file: {err}") from err
    return asyncio.run(_register(holder, public, as_json))


async def _register(holder: str, public: Ed25519PublicKey, as_json: bool) -> int:
    client = await open_redis()
    try:
        kid, new = await unit_keys.register(await open_store(client), public, box_keys.purpose_of(holder), holder)
    except unit_keys.UnitKeyError as err:
        raise exits.CliError(str(err)) from err
    finally:
        await client.aclose()
    if as_json:
        _print_json({"key_id": kid, "holder": holder, "registered": new})
    else:
        print(f"key {kid} {'registered' if new else 'was already registered'} for {holder}")
    return exits.OK


async def revoke(kid: str, reason: str | None, as_json: bool) -> int:
    """Revoke a key; returns once every intake has stopped accepting it."""
    client = await open_redis()
    try:
        revoked = await unit_keys.revoke(await open_store(client), kid, reason)
    except unit_keys.UnitKeyError as err:
        raise exits.CliError(str(err)) from err
    finally:
        await client.aclose()
    if revoked:
        await asyncio.sleep(unit_keys.REFRESH_S + 0.1)  # every intake has read the registry again by now
    if as_json:
        _print_json({"key_id": kid, "revoked": revoked})
    else:
        print(f"key {kid} {'revoked: refused by every intake from now on' if revoked else 'was already revoked'}")
    return exits.OK


async def list_all(as_json: bool) -> int:
    """Every key registered: id, holder, purpose, state."""
    client = await open_redis()
    try:
        registry = await unit_keys.read_registry(await open_store(client))
    finally:
        await client.aclose()
    rows = [{"key_id": k.key_id, "holder": k.holder, "purpose": k.purpose,
             "state": "revoked" if k.revoked else "active"}
            for k in sorted(registry.keys.values(), key=lambda k: (k.holder, k.key_id))]
    if as_json:
        _print_json(rows)
        return exits.OK
    if not rows:
        print("no keys registered (liaison unit-key init, or liaison unit-key register UNIT PUBFILE); "
              f"they are recorded in case {REGISTRY_CASE}")
    for row in rows:
        print(f"{row['key_id']}  {row['holder']:<14} {row['purpose']:<8} {row['state']}")
    return exits.OK

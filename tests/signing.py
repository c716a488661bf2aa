"""Signed reports in tests: a key for every holder (derived, so runs repeat), registered in the test's store.

Every intake checks signatures (ADR 0020); a test that feeds an intake registers these keys first
(``register_test_keys``) and writes entries with ``signed``. Tests of the checks themselves make
their own keys and forgeries.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis

from shared.access import box_keys
from shared.access.key_files import key_files
from shared.access.signatures import ServicePrincipal, principal_bytes, signed_entry
from shared.access.unit_keys import register_all
from shared.redis_client import client_of
from shared.reports import RESERVED
from shared.store import EventStore
from tests.conftest import TEST_PARTITIONS

KEYS: dict[str, Ed25519PrivateKey] = {
    holder: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"liaison test key {holder}".encode()).digest())
    for holder in box_keys.holders()
}
"""The test key of every unit, of the gateway and of the incidents service."""


class _Unit(msgspec.Struct):
    unit: str = ""
    command_id: str = ""


async def register_test_keys(redis: Redis) -> EventStore:
    """Create (or open) the store and register every test key in it; returns the store."""
    store = await EventStore.create(redis, TEST_PARTITIONS)
    await register_all(store, [(key.public_key(), box_keys.purpose_of(h), h) for h, key in KEYS.items()])
    return store


def signed(report: dict[str, Any] | bytes, unit: str | None = None) -> dict[str, bytes]:
    """The intake entry of ``report``, signed with the test key of its unit (or of ``unit``); a report under a
    command id only the incidents service gives is attested by that service's key, as the service does."""
    raw = report if isinstance(report, bytes) else msgspec.json.encode(report)
    try:
        head = msgspec.json.decode(raw, type=_Unit)
    except (msgspec.DecodeError, UnicodeDecodeError):
        head = _Unit()
    if unit is None and RESERVED.search(head.command_id):
        return signed_entry(raw, KEYS["incidents"], principal_bytes(ServicePrincipal(service="incidents")))
    key = KEYS.get(head.unit if unit is None else unit)
    return {"report": raw} if key is None else signed_entry(raw, key)


def write_box_keys(var_dir: Path) -> None:
    """Write the test keys where ``liaison up`` would keep the box's (LIAISON_VAR/keys, mode 0600)."""
    directory = box_keys.keys_dir(var_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for holder, key in KEYS.items():
        private, public = key_files(holder, key)
        path = box_keys.key_path(var_dir, holder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private)
        path.with_suffix(".pub").write_bytes(public)


def signed_fields(report: dict[str, Any] | bytes, unit: str | None = None) -> dict[bytes, bytes]:
    """``signed`` with bytes keys, as Redis returns an entry's fields (for tests that hand entries to a processor)."""
    return {name.encode(): value for name, value in signed(report, unit).items()}

REGISTERED = len(KEYS)
"""Log entries ``register_test_keys`` writes (one registration per key, in case ``UNIT-KEYS``)."""


def register_test_keys_at(url: str) -> None:
    """``register_test_keys`` from synchronous code (a fixture), in its own thread and event loop."""

    async def register() -> None:
        client = client_of(url)  # one Redis, or a Redis Cluster (redis+cluster://)
        try:
            await register_test_keys(client)
        finally:
            await client.aclose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, register()).result()

"""Signed reports in the bench: a key per unit made for the run, registered in its store, and what signing and
checking cost per report (ADR 0020)."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared import units
from shared.access.signatures import Registry, check, sign
from shared.access.unit_keys import read_registry, register_all
from shared.store import EventStore

KEYS: dict[str, Ed25519PrivateKey] = {code: Ed25519PrivateKey.generate() for code in units.registry()}
"""This run's key of every unit (never written anywhere)."""


class _Head(msgspec.Struct):
    unit: str
    command_id: str


_head = msgspec.json.Decoder(_Head).decode


async def register(store: EventStore) -> Registry:
    """Register this run's keys in the bench's store; the registry the intakes will read."""
    await register_all(store, [(key.public_key(), "unit", code) for code, key in KEYS.items()])
    return await read_registry(store)


def signed(reports: list[tuple[bytes, str, int]]) -> list[tuple[bytes, str, int, bytes]]:
    """Each report with its unit's signature (made before the clock starts: signing is the sending tool's work)."""
    return [(raw, case_id, version, sign(KEYS[_head(raw).unit], raw)) for raw, case_id, version in reports]


def cost(registry: Registry, raws: list[bytes]) -> dict[str, Any]:
    """Microseconds per report to sign it (the tool) and to check it (the intake), in this process."""
    heads = [_head(raw) for raw in raws]
    started = time.perf_counter()
    signatures = [sign(KEYS[head.unit], raw) for head, raw in zip(heads, raws, strict=True)]
    signed_s = time.perf_counter() - started
    started = time.perf_counter()
    for head, raw, signature in zip(heads, raws, signatures, strict=True):
        check(registry, raw, head.unit, head.command_id, signature, None)
    checked_s = time.perf_counter() - started
    return {"reports": len(raws), "sign_us_per_report": signed_s / len(raws) * 1e6,
            "check_us_per_report": checked_s / len(raws) * 1e6}

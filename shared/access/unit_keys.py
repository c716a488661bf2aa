"""The signing-key registry in the log (case ``UNIT-KEYS``): registering and revoking keys, and the intakes'
view of it, refreshed at most a second apart (ADR 0020).

Registrations and revocations are events, appended like any other, so who could sign when is
chained, exported and attested with the rest of the log; there is no second copy to drift from it.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared import units
from shared.access.signatures import REGISTRY_CASE, Registry, key_id, raw_public
from shared.events.codec import UnknownEventType
from shared.events.envelope import Instant
from shared.events.ids import event_id
from shared.events.keys import KeyPurpose, UnitKeyRegistered, UnitKeyRevoked
from shared.store import ConcurrencyConflict, EventStore

REFRESH_S = 1.0
"""How old an intake's registry may be: a revocation takes effect in every intake within this."""

_TRIES = 5
RECORDER = "operator"
"""The envelope's ``unit`` of registry events: the box's operator records them, for whichever holder (the
event's ``holder``); so the registry's only party is the operator, and no unit lists it (visibility.py)."""
log = structlog.get_logger("unit_keys")


class UnitKeyError(ValueError):
    """A key that cannot be registered or revoked as asked (the message says why)."""


async def read_registry(store: EventStore, since: Registry | None = None) -> Registry:
    """The registry folded from the log (on top of ``since``, reading only what was appended after it)."""
    registry = since if since is not None else Registry()
    version, _ = await store.head(REGISTRY_CASE)
    if version == registry.version:
        return registry
    fresh = Registry(dict(registry.keys), registry.version, list(registry.problems), registry.closed)
    for recorded in await store.read_case(REGISTRY_CASE, registry.version + 1):
        try:
            event = recorded.event()
        except (UnknownEventType, ValueError) as err:  # a revocation this build cannot read must not be missed
            fresh.closed = f"case {REGISTRY_CASE} holds an event this build cannot read at {recorded.position}: {err}"
            log.error("unit_keys_unreadable", position=recorded.position, error=str(err))
            fresh.version += 1  # the case's versions follow one another: this entry is the next
            continue
        fresh.apply(event, event.case_version, int(recorded.position.split("-", 1)[0]))
    return fresh



class Signers:
    """An intake's registry: read from the log when it may be more than ``REFRESH_S`` old."""

    def __init__(self, store: EventStore, refresh_s: float = REFRESH_S) -> None:
        self._store = store
        self._refresh_s = refresh_s
        self._registry = Registry()
        self._read_at = float("-inf")

    async def current(self) -> Registry:
        """The registry as of at most ``refresh_s`` ago; raises the Redis error that kept it from being read."""
        now = time.monotonic()
        if now - self._read_at >= self._refresh_s:
            self._registry = await read_registry(self._store, self._registry)
            self._read_at = now
        return self._registry


def _offset(holder: str) -> str:
    unit = units.get(holder)
    return "+00:00" if unit is None else unit.utc_offset


async def _append(store: EventStore, command_id: str, build: list[tuple[type[UnitKeyRegistered | UnitKeyRevoked],
                  str, dict[str, object]]], now: datetime | None) -> None:
    """Append registry events (type, author, fields) in one append at the case's current version, again if another
    writer moved it first."""
    for _ in range(_TRIES):
        version, _head = await store.head(REGISTRY_CASE)
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        events = [
            kind(
                event_id=event_id(moment, command_id, i), case_id=REGISTRY_CASE, case_version=version + i + 1,
                occurred_at=Instant.at(moment, _offset(author)), recorded_at=moment, unit=RECORDER, officer="operator",
                causation_id=command_id, correlation_id=command_id, handling="H0", **fields,  # type: ignore[arg-type]
            )
            for i, (kind, author, fields) in enumerate(build)
        ]
        try:
            await store.append(REGISTRY_CASE, events, version, command_id=command_id)
        except ConcurrencyConflict:
            continue
        return
    raise UnitKeyError(f"the key registry moved {_TRIES} times while this was written; try again")


async def register(store: EventStore, public: Ed25519PublicKey, purpose: KeyPurpose, holder: str,
                   now: datetime | None = None) -> tuple[str, bool]:
    """Register a key for ``holder``; returns its id and False if it was registered before (nothing written)."""
    kid = key_id(public)
    return kid, kid in await register_all(store, [(public, purpose, holder)], now)


async def register_all(store: EventStore, wanted: list[tuple[Ed25519PublicKey, KeyPurpose, str]],
                       now: datetime | None = None) -> list[str]:
    """Register keys (public key, purpose, holder) in one append; returns the ids of those not registered before."""
    registry = await read_registry(store)
    new: list[tuple[type[UnitKeyRegistered | UnitKeyRevoked], str, dict[str, object]]] = []
    for public, purpose, holder in wanted:
        if purpose == "unit" and units.get(holder) is None:
            raise UnitKeyError(f"unit: unknown unit {holder!r} (the codes are in shared/units.json)")
        kid = key_id(public)
        known = registry.keys.get(kid)
        if known is None:
            new.append((UnitKeyRegistered, holder, {
                "key_id": kid, "public_key": base64.b64encode(raw_public(public)).decode("ascii"),
                "purpose": purpose, "holder": holder,
            }))
        elif known.revoked:
            raise UnitKeyError(f"key {kid} was revoked; a revoked key is never registered again (make a new one)")
        elif (known.purpose, known.holder) != (purpose, holder):
            raise UnitKeyError(f"key {kid} is registered for {known.holder} ({known.purpose}); one key, one holder")
    if new:
        await _append(store, f"unit-key:register:{new[0][2]['key_id']}", new, now)
    return [str(fields["key_id"]) for _, _, fields in new]


async def revoke(store: EventStore, kid: str, reason: str | None = None, now: datetime | None = None) -> bool:
    """Revoke a registered key; False if it was revoked before. Raises UnitKeyError for a key never registered."""
    known = (await read_registry(store)).keys.get(kid)
    if known is None:
        raise UnitKeyError(f"key: {kid!r} is not registered (liaison unit-key list shows the keys)")
    if known.revoked:
        return False
    await _append(store, f"unit-key:revoke:{kid}", [(UnitKeyRevoked, known.holder, {"key_id": kid, "reason": reason})],
                  now)
    return True

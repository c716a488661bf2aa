"""Reports the service sends itself: follow-ups of recorded events, incidents opened by urgent hotline calls.

They go on the incidents intake in the documented format, so they are decided, answered and made
idempotent like any report. Their command ids are derived from the events that called for them,
so submitting one again (a redelivery, a second instance, a crash before the ack) records nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis

from services.incidents.config import IncidentsConfig
from services.incidents.domain import follow_ups
from services.incidents.domain.commands import AnyCommand
from shared.access.signatures import ServicePrincipal, principal_bytes, signed_entry
from shared.events import AnyEvent
from shared.settings import SettingsError
from shared.store import keys

_encoder = msgspec.json.Encoder()
PRINCIPAL = principal_bytes(ServicePrincipal(service="incidents"))
"""Whom the service's key vouches for in its own reports: itself (ADR 0020)."""


def signing_key(config: IncidentsConfig) -> Ed25519PrivateKey:
    """The service's key; a clear refusal to start without one (its own reports would be refused unsigned)."""
    if config.signing_key is None:
        raise SettingsError("LIAISON_SIGNING_KEY: the incidents service needs its registered signing key to attest "
                            "the reports it sends itself; `liaison unit-key init` makes the box's keys")
    return config.signing_key


def encode_report(command: AnyCommand) -> bytes:
    """The intake JSON of a command (its ``type`` tag included)."""
    return _encoder.encode(command)


async def submit(redis: Redis, key: Ed25519PrivateKey, commands: Sequence[AnyCommand]) -> None:
    """Put the reports on the incidents intake, attested with the service's key, in order, in one round trip."""
    if not commands:
        return
    intake = keys.intake("incidents")
    async with redis.pipeline(transaction=False) as pipe:
        for command in commands:
            pipe.xadd(intake, signed_entry(encode_report(command), key, PRINCIPAL))  # type: ignore[arg-type]
        await pipe.execute()


async def submit_follow_ups(redis: Redis, key: Ed25519PrivateKey, events: Sequence[AnyEvent]) -> int:
    """Submit the reports these recorded events call for; returns how many."""
    commands: list[AnyCommand] = [report for event in events for report in follow_ups(event)]
    await submit(redis, key, commands)
    return len(commands)

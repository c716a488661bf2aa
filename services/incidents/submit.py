"""Reports the service sends itself: follow-ups of recorded events, incidents opened by urgent hotline calls.

They go on the incidents intake in the documented format, so they are decided, answered and made
idempotent like any report. Their command ids are derived from the events that called for them,
so submitting one again (a redelivery, a second instance, a crash before the ack) records nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from redis.asyncio import Redis

from services.incidents.domain import follow_ups
from services.incidents.domain.commands import AnyCommand
from shared.events import AnyEvent
from shared.store import keys

_encoder = msgspec.json.Encoder()


def encode_report(command: AnyCommand) -> bytes:
    """The intake JSON of a command (its ``type`` tag included)."""
    return _encoder.encode(command)


async def submit(redis: Redis, commands: Sequence[AnyCommand]) -> None:
    """Put the reports on the incidents intake, in order, in one round trip."""
    if not commands:
        return
    intake = keys.intake("incidents")
    async with redis.pipeline(transaction=False) as pipe:
        for command in commands:
            pipe.xadd(intake, {"report": encode_report(command)})
        await pipe.execute()


async def submit_follow_ups(redis: Redis, events: Sequence[AnyEvent]) -> int:
    """Submit the reports these recorded events call for; returns how many."""
    commands: list[AnyCommand] = [report for event in events for report in follow_ups(event)]
    await submit(redis, commands)
    return len(commands)

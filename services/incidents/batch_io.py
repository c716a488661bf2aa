"""The processor's two batch-wide round trips (shared/intake/batch_io.py), acknowledging on the incidents intake."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from services.incidents.config import GROUP
from shared.intake import batch_io
from shared.intake.batch_io import Finished as Finished
from shared.intake.batch_io import Known as Known
from shared.intake.batch_io import lookup as lookup
from shared.store import keys

INTAKE = keys.intake("incidents")


async def publish(redis: Redis, finished: Sequence[Finished], dead_letters: str, rejection_ttl_s: int) -> None:
    """Remember rejections, write outcomes and dead letters, then acknowledge the entries for the incidents group."""
    await batch_io.publish(redis, finished, dead_letters, rejection_ttl_s, intake=INTAKE, group=GROUP)

"""The hotline FastStream app: intake stream -> decide -> event store -> outcomes.

It consumes ``liaison:intake:hotline`` (group ``hotline``; intake.py documents the entry format) in
batches. processor.py decides each report with the pure domain (domain/decide.py) on the case's
state (cases.py), appends the events to the store and writes one outcome per report. Beside the
subscriber runs the reclaim loop, which takes up entries a process left unfinished.

The plumbing every intake service shares (raw batch parsing, start and stop, the reclaim loop,
starting again when the intake vanishes) is in shared/intake/service.py and shared/intake/serve.py.
"""

from __future__ import annotations

import asyncio

from faststream import FastStream
from redis.asyncio import Redis

from services.hotline.config import GROUP, OWN_PENDING_IDLE_MS, HotlineConfig
from services.hotline.processor import Processor
from shared.intake import serve as serving
from shared.intake.serve import IntakeUnusable as IntakeUnusable
from shared.intake.service import IntakeService, intake_app
from shared.store import EventStore


class HotlineService(IntakeService[HotlineConfig, Processor]):
    """The resources of one hotline process: the store, its processor and the reclaim loop."""

    def __init__(self, config: HotlineConfig) -> None:
        super().__init__(config, name="hotline", group=GROUP, own_pending_idle_ms=OWN_PENDING_IDLE_MS)

    async def open(self, redis: Redis, store: EventStore) -> Processor:
        """The processor that decides and appends every report of a batch."""
        return Processor(redis, store, self.config)


def build(config: HotlineConfig) -> tuple[FastStream, HotlineService]:
    """The hotline app for one process (a batch subscriber on the intake stream plus the reclaim loop),
    and its service object, which tests and metrics read."""
    service = HotlineService(config)
    return intake_app(service), service


async def serve(config: HotlineConfig, stop: asyncio.Event) -> None:
    """Run the hotline until ``stop`` is set; recreate the intake stream and group if they vanish
    (starting again is retried for a minute while Redis cannot be reached)."""
    await serving.serve(lambda: build(config), stop)

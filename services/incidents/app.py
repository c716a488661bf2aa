"""The incidents FastStream app: intake stream -> decide -> event store -> outcomes, plus three loops.

It consumes ``liaison:intake:incidents`` (group ``incidents``; intake.py documents the entry format)
in batches. processor.py decides each report with the pure domain (domain/decide.py: incidents,
handovers, patrols, meetings) and the policy, appends the events and writes one outcome per report.
Beside the subscriber run: the intake reclaim loop, the deadline watch (watch.py) and the reader of
hotline events on the partition logs (hotline_events.py), which turns urgent calls into incidents.

The plumbing every intake service shares (raw batch parsing, start and stop, the reclaim loop,
starting again when the intake vanishes) is in shared/intake/service.py and shared/intake/serve.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from faststream import FastStream
from redis.asyncio import Redis

from services.incidents.config import GROUP, OWN_PENDING_IDLE_MS, IncidentsConfig
from services.incidents.hotline_events import HotlineEvents
from services.incidents.processor import Processor
from services.incidents.watch import DeadlineWatch
from shared.intake import serve as serving
from shared.intake.serve import IntakeUnusable as IntakeUnusable
from shared.intake.service import IntakeService, intake_app
from shared.store import EventStore


class IncidentsService(IntakeService[IncidentsConfig, Processor]):
    """The resources of one incidents process: the store, its processor, deadline watch and hotline-events reader."""

    def __init__(self, config: IncidentsConfig) -> None:
        super().__init__(config, name="incidents", group=GROUP, own_pending_idle_ms=OWN_PENDING_IDLE_MS)
        self.watch: DeadlineWatch | None = None
        self.hotline_events: HotlineEvents | None = None

    async def open(self, redis: Redis, store: EventStore) -> Processor:
        """The processor, plus the deadline watch and the hotline-events reader (whose groups are created here)."""
        processor = Processor(redis, store, self.config)
        self.watch = DeadlineWatch(redis, store, self.config)
        self.hotline_events = HotlineEvents(redis, store, self.config)
        await self.hotline_events.create_groups()
        return processor

    def loops(self) -> list[Coroutine[Any, Any, None]]:
        """The reclaim loop, the deadline watch and the hotline-events reader."""
        assert self.watch is not None
        assert self.hotline_events is not None
        return [*super().loops(), self.watch.run(), self.hotline_events.run()]


def build(config: IncidentsConfig) -> tuple[FastStream, IncidentsService]:
    """The incidents app for one process, and its service object (which tests read)."""
    service = IncidentsService(config)
    return intake_app(service), service


async def serve(config: IncidentsConfig, stop: asyncio.Event) -> None:
    """Run the incidents service until ``stop`` is set; start again if its intake stream or group vanished
    or Redis went away, retrying a failing start for a while before the error ends the process."""
    await serving.serve(lambda: build(config), stop)

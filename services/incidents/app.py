"""The incidents FastStream app: intake stream -> decide -> event store -> outcomes, plus three loops.

The intake is read raw, as the hotline's is (docs/decisions/0003): FastStream's batch stream parser
fails a whole batch on one entry with invalid UTF-8 and reads a ``__data__`` field as its own
envelope, so the parser below decodes nothing and the processor decides, entry by entry, what is
malformed. The parser and this file's structure are copied from services/hotline/app.py (no
service imports another). Beside the subscriber run: the intake reclaim loop, the deadline watch
(watch.py) and the reader of hotline events on the partition logs (hotline_events.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

import structlog
from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.redis.message import FAKE_CONSUMER
from faststream.redis.message import RedisBatchStreamMessage as BatchMessage
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.incidents.config import GROUP, OWN_PENDING_IDLE_MS, IncidentsConfig
from services.incidents.hotline_events import HotlineEvents
from services.incidents.processor import REDIS_FAILURES, Processor
from services.incidents.watch import DeadlineWatch
from shared.intake.reclaim import Reclaimer
from shared.redis_client import RETRYABLE, connect
from shared.store import EventStore, keys

log = structlog.get_logger("incidents")

INTAKE = keys.intake("incidents")


async def raw_entries(message: Mapping[str, Any]) -> BatchMessage:
    """FastStream parser that keeps the batch as Redis returned it (ids and field dicts), decoding nothing."""
    return BatchMessage(raw_message=message, body=b"", consumer=FAKE_CONSUMER, group=None)


class IncidentsService:
    """The resources of one incidents process, opened at start-up and closed at shutdown."""

    def __init__(self, config: IncidentsConfig) -> None:
        self.config = config
        self.redis: Redis | None = None
        self.processor: Processor | None = None
        self.watch: DeadlineWatch | None = None
        self.hotline_events: HotlineEvents | None = None
        self.subscriber: Any = None
        """FastStream's subscriber on the intake (set by ``build``)."""
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Connect, create or open the store, create the groups at 0 (FastStream would use $)."""
        self.redis = connect(self.config.redis_url)
        store = await EventStore.create(self.redis, self.config.partitions)
        try:
            # At 0, not $: reports written before the first incidents process started are processed too.
            await self.redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise
        self.processor = Processor(self.redis, store, self.config)
        self.watch = DeadlineWatch(self.redis, store, self.config)
        self.hotline_events = HotlineEvents(self.redis, store, self.config)
        await self.hotline_events.create_groups()
        log.info("started", consumer=self.config.consumer, intake=INTAKE, partitions=store.partitions)

    async def start_loops(self) -> None:
        """Start the reclaim loop, the deadline watch and the hotline-events reader once the subscriber runs."""
        assert self.redis is not None
        assert self.processor is not None
        assert self.watch is not None
        assert self.hotline_events is not None
        loops: list[Coroutine[Any, Any, None]] = [
            Reclaimer(
                self.redis, self.processor, self.config,
                group=GROUP, own_pending_idle_ms=OWN_PENDING_IDLE_MS, service="incidents",
            ).run(),
            self.watch.run(),
            self.hotline_events.run(),
        ]
        self._tasks = [asyncio.create_task(loop) for loop in loops]

    async def stop_loops(self) -> None:
        """Stop the loops (what they were doing stays pending, or in the schedule, and is taken up later)."""
        # Cancelled again until done: on Python 3.11 a cancellation that lands while a redis-py call
        # completes can be swallowed (asyncio.wait_for's race), and the loop would simply go on.
        for task in self._tasks:
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.2)
        self._tasks = []

    async def close(self) -> None:
        """Close the Redis connections, after the subscriber stopped."""
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None

    @property
    def reading(self) -> bool:
        """True while the intake subscriber runs."""
        return bool(self.subscriber is not None and self.subscriber.running)

    async def handle(self, message: BatchMessage) -> None:
        """Process one batch read by the subscriber."""
        assert self.processor is not None
        raw = message.raw_message
        entries = list(zip(raw["message_ids"], raw["data"], strict=True))
        try:
            await self.processor.process(entries)
        except REDIS_FAILURES as err:
            # Left pending on purpose: the reclaim loop processes these entries again later.
            log.error("batch_interrupted", entries=len(entries), error=str(err))


def build(config: IncidentsConfig) -> tuple[FastStream, IncidentsService]:
    """The incidents app for one process, and its service object (which tests read)."""
    broker = RedisBroker(config.redis_url, log_level=logging.DEBUG, retry_on_error=list(RETRYABLE))
    service = IncidentsService(config)
    stream = StreamSub(INTAKE, group=GROUP, consumer=config.consumer, batch=True, max_records=config.batch_size)
    # MANUAL: the processor acknowledges each entry itself, after its outcome is written.
    subscriber = broker.subscriber(stream=stream, parser=raw_entries, ack_policy=AckPolicy.MANUAL)

    @subscriber
    async def on_reports(message: RedisBatchStreamMessage) -> None:
        await service.handle(message)

    service.subscriber = subscriber
    app = FastStream(
        broker,
        on_startup=[service.start],
        after_startup=[service.start_loops],
        on_shutdown=[service.stop_loops],
        after_shutdown=[service.close],
    )
    return app, service


class IntakeUnusable(Exception):
    """The intake key exists but is not a stream: nothing this process can repair by itself."""


WATCH_EVERY_S = 0.5
"""How often ``serve`` checks that the subscriber still reads and the intake key is still a stream."""


async def _intake_type(service: IncidentsService) -> str:
    assert service.redis is not None
    kind: bytes | str = await service.redis.type(INTAKE)
    return kind.decode() if isinstance(kind, bytes) else kind


async def serve(config: IncidentsConfig, stop: asyncio.Event) -> None:
    """Run the incidents service until ``stop`` is set; start again if its intake stream or group vanished."""
    while not stop.is_set():
        app, service = build(config)
        await app.start()
        try:
            while not stop.is_set() and service.reading:
                try:
                    kind = await _intake_type(service)
                except REDIS_FAILURES:
                    kind = "stream"  # Redis is away: the loops retry and say so in the log
                if kind not in ("stream", "none"):
                    raise IntakeUnusable(f"{INTAKE} is a {kind}, not a stream: delete it (the service then creates "
                                         "the stream and its group again) or point LIAISON_REDIS_URL elsewhere")
                await _pause(stop, WATCH_EVERY_S)
        finally:
            await app.stop()
        if not stop.is_set():
            log.error("intake_lost", intake=INTAKE, group=GROUP, action="creating them again at 0 and reading on")


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when asked to stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()

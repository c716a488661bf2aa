"""The hotline FastStream app: intake stream -> decide -> event store -> outcomes (see intake.py for the entry format).

Entries are read raw. FastStream's batch stream parser expects its own ``__data__`` envelope;
on plain ``report`` entries it re-encodes every field as JSON text, so one entry with invalid
UTF-8 makes the parse of the whole batch raise before the handler runs, and those entries stay
pending forever (checked against FastStream 0.7.8's RedisBatchStreamParser). The parser below
therefore decodes nothing: the handler takes entry ids and fields from ``raw_message`` and
decides, entry by entry, what is malformed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import structlog
from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.redis.message import FAKE_CONSUMER
from faststream.redis.message import RedisBatchStreamMessage as BatchMessage
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.hotline.config import GROUP, OWN_PENDING_IDLE_MS, HotlineConfig
from services.hotline.processor import REDIS_FAILURES, Processor
from shared.intake.reclaim import Reclaimer
from shared.redis_client import RETRYABLE, connect
from shared.store import EventStore, keys

log = structlog.get_logger("hotline")


async def raw_entries(message: Mapping[str, Any]) -> BatchMessage:
    """FastStream parser that keeps the batch as Redis returned it (ids and field dicts), decoding nothing."""
    return BatchMessage(raw_message=message, body=b"", consumer=FAKE_CONSUMER, group=None)


class HotlineService:
    """The resources of one hotline process, opened at start-up and closed at shutdown."""

    def __init__(self, config: HotlineConfig) -> None:
        self.config = config
        self.redis: Redis | None = None
        self.processor: Processor | None = None
        self.subscriber: Any = None
        """FastStream's subscriber on the intake (set by ``build``); it stops by itself if its group vanishes."""
        self._reclaim: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, create or open the store, create the consumer group at 0 (FastStream would use $)."""
        self.redis = connect(self.config.redis_url)
        store = await EventStore.create(self.redis, self.config.partitions)
        intake = keys.intake("hotline")
        try:
            # At 0, not $: reports written before the first hotline process started are processed too.
            await self.redis.xgroup_create(intake, GROUP, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise
        self.processor = Processor(self.redis, store, self.config)
        log.info("started", consumer=self.config.consumer, intake=intake, partitions=store.partitions)

    async def start_reclaim(self) -> None:
        """Start the reclaim loop once the subscriber runs."""
        assert self.redis is not None
        assert self.processor is not None
        reclaimer = Reclaimer(
            self.redis, self.processor, self.config,
            group=GROUP, own_pending_idle_ms=OWN_PENDING_IDLE_MS, service="hotline",
        )
        self._reclaim = asyncio.create_task(reclaimer.run())

    async def stop_reclaim(self) -> None:
        """Stop the reclaim loop (entries it was processing stay pending and are claimed later)."""
        if self._reclaim is not None:
            # Cancelled again until done: on Python 3.11 a cancellation that lands while a redis-py
            # call completes can be swallowed (asyncio.wait_for's race), and the loop would go on.
            while not self._reclaim.done():
                self._reclaim.cancel()
                await asyncio.wait({self._reclaim}, timeout=0.2)
            self._reclaim = None

    async def close(self) -> None:
        """Close the Redis connections, after the subscriber stopped."""
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None

    @property
    def reading(self) -> bool:
        """True while the intake subscriber runs (False before start, after stop, or once it gave up)."""
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


def build(config: HotlineConfig) -> tuple[FastStream, HotlineService]:
    """The hotline app for one process (a batch subscriber on the intake stream plus the reclaim loop),
    and its service object, which tests and metrics read."""
    # FastStream logs every batch received/processed: debug level keeps that out of the service log.
    # retry_on_error: a read on a connection Redis dropped (it restarted) is sent again once on a
    # fresh one, instead of failing and making FastStream wait 5 s before it reads again.
    broker = RedisBroker(config.redis_url, log_level=logging.DEBUG, retry_on_error=list(RETRYABLE))
    service = HotlineService(config)
    stream = StreamSub(
        keys.intake("hotline"),
        group=GROUP,
        consumer=config.consumer,
        batch=True,
        max_records=config.batch_size,
    )

    # MANUAL: the processor acknowledges each entry itself, after its outcome is written.
    subscriber = broker.subscriber(stream=stream, parser=raw_entries, ack_policy=AckPolicy.MANUAL)

    @subscriber
    async def on_reports(message: RedisBatchStreamMessage) -> None:
        await service.handle(message)

    service.subscriber = subscriber
    app = FastStream(
        broker,
        on_startup=[service.start],
        after_startup=[service.start_reclaim],
        on_shutdown=[service.stop_reclaim],
        after_shutdown=[service.close],
    )
    return app, service


def create_app(config: HotlineConfig) -> FastStream:
    """The hotline app for one process."""
    return build(config)[0]


class IntakeUnusable(Exception):
    """The intake key exists but is not a stream: nothing this process can repair by itself."""


WATCH_EVERY_S = 0.5
"""How often ``serve`` checks that the subscriber still reads and the intake key is still a stream."""

RESTART_WITHIN_S = 60.0
"""How long ``serve`` keeps trying to start the app again after the intake vanished, before giving up."""


async def _intake_type(service: HotlineService) -> str:
    assert service.redis is not None
    kind: bytes | str = await service.redis.type(keys.intake("hotline"))
    return kind.decode() if isinstance(kind, bytes) else kind


async def _watch(service: HotlineService, stop: asyncio.Event) -> None:
    """Return when asked to stop, or when the subscriber has stopped by itself (its group or stream vanished).

    FastStream 0.7 stops a stream subscriber for good on NOGROUP (the intake stream was deleted or its
    group destroyed) and asks the app to exit; without this watch the process would either exit 0 as
    if asked to, or, under ``app.start()``, sit there reading nothing. Raises IntakeUnusable when the
    intake key was replaced by another type (every read fails with WRONGTYPE and FastStream retries
    them in a loop, so the subscriber never stops by itself).
    """
    while not stop.is_set():
        if not service.reading:
            return
        try:
            kind = await _intake_type(service)
        except REDIS_FAILURES:
            kind = "stream"  # Redis is away: FastStream and the reclaim loop retry, and say so in the log
        if kind not in ("stream", "none"):
            raise IntakeUnusable(
                f"{keys.intake('hotline')} is a {kind}, not a stream: delete it (the hotline then creates "
                "the stream and its group again) or point LIAISON_REDIS_URL at the right Redis"
            )
        await _pause(stop, WATCH_EVERY_S)


async def serve(config: HotlineConfig, stop: asyncio.Event) -> None:
    """Run the hotline until ``stop`` is set; recreate the intake stream and group if they vanish.

    The first start raises what it meets (the caller turns it into exit 2). After that, when the
    intake stream is deleted or its group destroyed, the app is stopped and started again, which
    creates both at 0 again: reports written since are all read (and any read twice are answered
    from what the store recorded, as resends are). Starting again is retried while Redis cannot be
    reached, for RESTART_WITHIN_S; then the error is raised.
    """
    give_up_at: float | None = None
    delay = 0.1
    while not stop.is_set():
        app, service = build(config)
        try:
            await app.start()
        except REDIS_FAILURES as err:
            with contextlib.suppress(*REDIS_FAILURES):
                await app.stop()
            if give_up_at is None or asyncio.get_running_loop().time() > give_up_at:
                raise
            log.warning("restart_failed", error=str(err), retry_in_s=delay)
            await _pause(stop, delay)
            delay = min(delay * 2, 2.0)
            continue
        delay = 0.1
        try:
            await _watch(service, stop)
        finally:
            await app.stop()
        if not stop.is_set():
            give_up_at = asyncio.get_running_loop().time() + RESTART_WITHIN_S
            log.error(
                "intake_lost",
                intake=keys.intake("hotline"),
                group=GROUP,
                action="the stream or its consumer group vanished; creating them again at 0 and reading on",
            )


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when asked to stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()

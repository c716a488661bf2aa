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

from services.hotline.config import GROUP, HotlineConfig
from services.hotline.processor import REDIS_FAILURES, Processor
from services.hotline.reclaim import Reclaimer
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
        self._reclaim: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, create or open the store, create the consumer group at 0 (FastStream would use $)."""
        self.redis = Redis.from_url(self.config.redis_url)
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
        self._reclaim = asyncio.create_task(Reclaimer(self.redis, self.processor, self.config).run())

    async def stop_reclaim(self) -> None:
        """Stop the reclaim loop (entries it was processing stay pending and are claimed later)."""
        if self._reclaim is not None:
            self._reclaim.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reclaim
            self._reclaim = None

    async def close(self) -> None:
        """Close the Redis connections, after the subscriber stopped."""
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None

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
    broker = RedisBroker(config.redis_url, log_level=logging.DEBUG)
    service = HotlineService(config)
    stream = StreamSub(
        keys.intake("hotline"),
        group=GROUP,
        consumer=config.consumer,
        batch=True,
        max_records=config.batch_size,
    )

    # MANUAL: the processor acknowledges each entry itself, after its outcome is written.
    @broker.subscriber(stream=stream, parser=raw_entries, ack_policy=AckPolicy.MANUAL)
    async def on_reports(message: RedisBatchStreamMessage) -> None:
        await service.handle(message)

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

"""One process of an intake service: its resources, the batch subscriber on its intake stream, the loops beside it.

The intake is read raw (ADR 0003). FastStream's batch stream parser expects its own
``__data__`` envelope; on plain ``report`` entries it re-encodes every field as JSON text, so one
entry with invalid UTF-8 makes the parse of the whole batch raise before the handler runs, and
those entries stay pending forever (checked against FastStream 0.7.8's RedisBatchStreamParser).
``raw_entries`` therefore decodes nothing: the handler takes entry ids and fields from
``raw_message`` and the service's processor decides, entry by entry, what is malformed.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Mapping
from typing import Any, Generic, TypeVar

import structlog
from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, RedisClusterBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.redis.message import FAKE_CONSUMER
from faststream.redis.message import RedisBatchStreamMessage as BatchMessage
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared import append_metrics
from shared.intake.consumers import forget_departed
from shared.intake.reclaim import REDIS_FAILURES, EntryProcessor, Reclaimer
from shared.intake.retention import keep_trimmed
from shared.logging import faststream_logger
from shared.redis_client import RETRYABLE, connect, node_url
from shared.service_config import IntakeConfig
from shared.store import EventStore, keys

C = TypeVar("C", bound=IntakeConfig)
P = TypeVar("P", bound=EntryProcessor)


async def raw_entries(message: Mapping[str, Any]) -> BatchMessage:
    """FastStream parser that keeps the batch as Redis returned it (ids and field dicts), decoding nothing."""
    return BatchMessage(raw_message=message, body=b"", consumer=FAKE_CONSUMER, group=None)


class IntakeService(ABC, Generic[C, P]):
    """The resources of one process of the service ``name``, opened at start-up and closed at shutdown."""

    def __init__(self, config: C, *, name: str, group: str, own_pending_idle_ms: int) -> None:
        self.config = config
        self.name = name
        self.group = group
        self.intake = keys.intake(name)
        self.own_pending_idle_ms = own_pending_idle_ms
        self.log = structlog.get_logger(name)
        self.redis: Redis | None = None
        self.processor: P | None = None
        self.subscriber: Any = None
        """FastStream's subscriber on the intake (set by ``intake_app``); it stops by itself if its group vanishes."""
        self._tasks: list[asyncio.Task[None]] = []
        self._flush: asyncio.Task[None] | None = None
        """Adds this process's append latencies to Redis every few seconds (shared/append_metrics.py)."""

    @abstractmethod
    async def open(self, redis: Redis, store: EventStore) -> P:
        """The service's batch processor (and whatever else it runs), once Redis and the store are open."""

    def loops(self) -> list[Coroutine[Any, Any, None]]:
        """What runs beside the subscriber: the reclaim loop and the intake's trim (a service adds its own loops)."""
        assert self.redis is not None
        assert self.processor is not None
        reclaimer = Reclaimer(
            self.redis, self.processor, self.config,
            group=self.group, own_pending_idle_ms=self.own_pending_idle_ms, service=self.name,
        )
        return [reclaimer.run(), keep_trimmed(self.redis, self.intake, self.group, self.log)]

    async def start(self) -> None:
        """Connect, create or open the store, create the consumer group at 0 (FastStream would use $)."""
        self.redis = connect(self.config.redis_url)
        store = await EventStore.create(self.redis, self.config.partitions)
        store.durability = self.config.durability
        try:
            # At 0, not $: reports written before the service's first process started are processed too.
            await self.redis.xgroup_create(self.intake, self.group, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise
        departed = await forget_departed(self.redis, self.intake, self.group, keep=self.config.consumer)
        if departed:
            self.log.info("forgot_departed_consumers", consumers=departed)
        self.processor = await self.open(self.redis, store)
        self.log.info("started", consumer=self.config.consumer, intake=self.intake, partitions=store.partitions)

    async def start_loops(self) -> None:
        """Start the loops, and the flush of append latencies, once the subscriber runs."""
        assert self.redis is not None
        self._tasks = [asyncio.create_task(loop) for loop in self.loops()]
        self._flush = append_metrics.start(self.redis, service=self.name)

    async def stop_loops(self) -> None:
        """Stop the loops (what they were doing stays pending, or scheduled, and is taken up later)."""
        # Cancelled again until done: on Python 3.11 a cancellation that lands while a redis-py call
        # completes can be swallowed (asyncio.wait_for's race), and the loop would simply go on.
        for task in self._tasks:
            await _cancelled(task, 0.2)
        self._tasks = []

    async def close(self) -> None:
        """Flush the append latencies a last time and close the Redis connections, after the subscriber stopped."""
        if self._flush is not None:
            # Its last flush waits up to 1 s for Redis (append_metrics.Latencies.run): let it finish.
            await _cancelled(self._flush, 1.5)
            self._flush = None
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
            self.log.error("batch_interrupted", entries=len(entries), error=str(err))


async def _cancelled(task: asyncio.Task[None], wait_s: float) -> None:
    """Cancel ``task`` again every ``wait_s`` until it is done (a cancellation can be swallowed, see stop_loops)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=wait_s)


def intake_app(service: IntakeService[Any, Any]) -> FastStream:
    """The FastStream app of one process: a batch subscriber on the service's intake, its loops beside it."""
    config = service.config
    # FastStream logs every batch received/processed: debug level keeps that out of the service log.
    # retry_on_error: a read on a connection Redis dropped (it restarted) is sent again once on a
    # fresh one, instead of failing and making FastStream wait 5 s before it reads again.
    # faststream_logger: FastStream's lines go through the service's log set-up (JSON, ``service``) too.
    node = node_url(config.redis_url)  # a Redis Cluster: FastStream's cluster broker follows MOVED
    broker = (RedisBroker if node is None else RedisClusterBroker)(
        node or config.redis_url, logger=faststream_logger(), log_level=logging.DEBUG, retry_on_error=list(RETRYABLE)
    )
    stream = StreamSub(
        service.intake, group=service.group, consumer=config.consumer, batch=True, max_records=config.batch_size
    )
    # MANUAL: the processor acknowledges each entry itself, after its outcome is written.
    subscriber = broker.subscriber(stream=stream, parser=raw_entries, ack_policy=AckPolicy.MANUAL)

    @subscriber
    async def on_reports(message: RedisBatchStreamMessage) -> None:
        await service.handle(message)

    service.subscriber = subscriber
    return FastStream(
        broker,
        on_startup=[service.start],
        after_startup=[service.start_loops],
        on_shutdown=[service.stop_loops],
        after_shutdown=[service.close],
    )

"""Write latencies of the services without HTTP, published through Redis for the gateway's ``/metrics``.

Each process counts its latencies in a small in-memory histogram; a flush task adds what it counted
since the last flush to one Redis hash per (kind, service) every few seconds (HINCRBY, in one
MULTI), so the hash is the sum over every process and restart, and only ever grows: a Prometheus
counter. The gateway reads the hashes at scrape time (``read_all``) and exports them as histograms.

Use in a service (``append`` is the default kind)::

    append_metrics.record(seconds)                         # after each append (count=n for a batch of n)
    task = append_metrics.start(redis, service="hotline")  # once, at start-up
    await append_metrics.stop(task)                        # at shutdown: one last flush
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.store import keys

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""Upper bounds in seconds: an append is a fraction of a millisecond of server time, more when queued or fsynced."""
FLUSH_EVERY_S = 5.0
"""How often a process adds its counts to Redis: scrapes see figures at most this old."""
KINDS = {
    "append": "Time of one append to the event store (the append script), as the writing service measured it",
    "view_write": "Time of one call of write_views.lua (a batch's views, updates and acks) by the projections",
}
"""Each kind of latency and what it measures; the gateway exports ``liaison_<kind>_seconds``."""
SOURCES = (("append", "hotline"), ("append", "incidents"), ("view_write", "projections"))
"""The (kind, service) histograms the gateway exports."""
_INF = "+Inf"

log = structlog.get_logger("metrics")


def _field(bound: float) -> str:
    return f"le:{_INF if math.isinf(bound) else repr(bound)}"


class Latencies:
    """One process's latency histogram of one kind: counts since the last flush, in memory."""

    def __init__(self, kind: str = "append") -> None:
        if kind not in KINDS:
            raise ValueError(f"kind: must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind = kind
        self._counts = [0] * (len(BUCKETS) + 1)
        self._sum = 0.0

    def record(self, seconds: float, count: int = 1) -> None:
        """Count ``count`` observations of ``seconds`` each (a batch of appends timed as one: its time each)."""
        self._counts[bisect.bisect_left(BUCKETS, seconds)] += count
        self._sum += seconds * count

    @contextlib.contextmanager
    def timed(self, count: int = 1) -> Iterator[None]:
        """Record how long the ``with`` block took (also when it raised: a refused append took that time too)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record(time.perf_counter() - started, count)

    async def flush(self, redis: Redis, service: str) -> None:
        """Add the counts since the last flush to the service's hash; kept for the next flush if Redis fails."""
        counts, total = self._counts, self._sum
        if not any(counts):
            return
        self._counts, self._sum = [0] * len(counts), 0.0
        key = keys.latency(self.kind, service)
        try:
            async with redis.pipeline(transaction=True) as pipe:
                for bound, n in zip((*BUCKETS, math.inf), counts, strict=True):
                    if n:
                        pipe.hincrby(key, _field(bound), n)
                pipe.hincrbyfloat(key, "sum", total)
                await pipe.execute()
        except BaseException:
            self._counts = [a + b for a, b in zip(self._counts, counts, strict=True)]
            self._sum += total
            raise

    async def run(self, redis: Redis, service: str, every_s: float = FLUSH_EVERY_S) -> None:
        """Flush every ``every_s`` seconds until cancelled, then once more (counts survive a Redis outage)."""
        try:
            while True:
                await asyncio.sleep(every_s)
                try:
                    await self.flush(redis, service)
                except (RedisError, OSError) as err:
                    log.warning("latency_flush_failed", kind=self.kind, error=str(err))
        finally:
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.flush(redis, service)


APPENDS = Latencies("append")
"""This process's append latencies: what ``record``, ``timed``, ``start`` and ``stop`` use."""
VIEW_WRITES = Latencies("view_write")
"""This process's view-write latencies (the projections worker)."""


def record(seconds: float, count: int = 1) -> None:
    """Count one append that took ``seconds`` (or ``count`` appends of one batch that took it together)."""
    APPENDS.record(seconds, count)


def timed(count: int = 1) -> contextlib.AbstractContextManager[None]:
    """``with append_metrics.timed(): await store.append(...)``: record how long the block took."""
    return APPENDS.timed(count)


def start(redis: Redis, service: str, latencies: Latencies = APPENDS) -> asyncio.Task[None]:
    """Start flushing ``latencies`` to Redis every few seconds as ``service``; keep the task for ``stop``."""
    return asyncio.create_task(latencies.run(redis, service), name=f"{latencies.kind}-latency-flush")


async def stop(task: asyncio.Task[None]) -> None:
    """Stop a flush task started by ``start``, after its last flush (it gives Redis one second at most)."""
    # Cancelled again until done: a cancellation landing inside a redis-py call can be swallowed.
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    with contextlib.suppress(asyncio.CancelledError):
        await task


@dataclass(frozen=True)
class Histogram:
    """One (kind, service) histogram as stored: cumulative bucket counts, as Prometheus wants them."""

    kind: str
    service: str
    buckets: tuple[tuple[str, int], ...]
    """(upper bound, observations at or under it), ending with ``+Inf`` (the total count)."""
    sum: float


def _histogram(kind: str, service: str, raw: dict[bytes | str, bytes | str]) -> Histogram:
    fields = {(k.decode() if isinstance(k, bytes) else k): v for k, v in raw.items()}
    per_bound = dict.fromkeys((*BUCKETS, math.inf), 0)  # every bound, so all series share one bucket layout
    for name, value in fields.items():
        if name.startswith("le:"):
            with contextlib.suppress(ValueError):  # a field some other writer left: skipped, not a failed scrape
                per_bound[float(name[3:])] = int(value)
    cumulative, running = [], 0
    for bound in sorted(per_bound):
        running += per_bound[bound]
        cumulative.append((_INF if math.isinf(bound) else repr(bound), running))
    try:
        total = float(fields.get("sum", 0.0))
    except ValueError:
        total = math.nan
    return Histogram(kind, service, tuple(cumulative), total)


async def read_all(redis: Redis) -> list[Histogram]:
    """Every known source's histogram (one pipelined HGETALL each); a source that never flushed is left out."""
    async with redis.pipeline(transaction=False) as pipe:
        for kind, service in SOURCES:
            pipe.hgetall(keys.latency(kind, service))
        replies = await pipe.execute()
    return [_histogram(kind, service, raw) for (kind, service), raw in zip(SOURCES, replies, strict=True) if raw]

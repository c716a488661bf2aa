"""Run the projections worker as a process: settings, Redis, signals, exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import structlog
from redis.exceptions import RedisError

from services.projections.worker import RECLAIM_IDLE_MS, Worker
from shared import append_metrics
from shared import logging as liaison_logging
from shared import settings as settings_module
from shared.redis_client import connect, redacted
from shared.store import EventStore

EXIT_USAGE = 2
"""The contract's exit code for a usage or connection error."""

log = structlog.get_logger("projections")


def reclaim_idle_ms(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """LIAISON_RECLAIM_IDLE_MS: how long an entry stays pending before another worker takes it over."""
    raw = environ.get("LIAISON_RECLAIM_IDLE_MS") or str(RECLAIM_IDLE_MS)
    if not raw.isdigit() or int(raw) < 1:
        raise settings_module.SettingsError(
            f"LIAISON_RECLAIM_IDLE_MS must be a whole number of milliseconds (1 or more), got {raw!r}"
        )
    return int(raw)


async def serve(redis_url: str, partitions: int, idle_ms: int) -> int:
    """Open (or create) the store and run the worker until SIGTERM or SIGINT."""
    redis = connect(redis_url)
    try:
        try:
            store = await EventStore.create(redis, partitions)
        except (RedisError, OSError) as exc:
            print(f"projections: cannot reach Redis at {redacted(redis_url)}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        worker = Worker(redis, store, reclaim_idle_ms=idle_ms, leases=True)  # N workers share the partitions
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        flushing = append_metrics.start(redis, "projections", append_metrics.VIEW_WRITES)
        try:
            await worker.run()
        finally:
            await append_metrics.stop(flushing)
        return 0
    finally:
        await redis.aclose()


def main() -> int:
    """``python -m services.projections``; exit 2 with a clear message when there is no Redis to use."""
    try:
        settings = settings_module.load()
        idle_ms = reclaim_idle_ms()
    except settings_module.SettingsError as exc:
        print(f"projections: {exc}", file=sys.stderr)
        return EXIT_USAGE
    url = settings.resolved_redis_url()
    if url is None:
        print(
            "projections: no Redis to use: set LIAISON_REDIS_URL (redis://, rediss:// or unix://), "
            f"or start `liaison up`, whose embedded Redis listens at {settings.embedded_socket}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    liaison_logging.configure("projections")
    return asyncio.run(serve(url, settings.partitions, idle_ms))

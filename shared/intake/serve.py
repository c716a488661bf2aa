"""Serving an intake service until asked to stop, and starting it again when its intake stream or group vanishes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from faststream import FastStream

from shared.intake.reclaim import REDIS_FAILURES
from shared.intake.service import IntakeService

WATCH_EVERY_S = 0.5
"""How often ``serve`` checks that the subscriber still reads and the intake key is still a stream."""

RESTART_WITHIN_S = 60.0
"""How long ``serve`` keeps trying to start the app again after the intake vanished, before giving up."""


class IntakeUnusable(Exception):
    """The intake key exists but is not a stream: nothing this process can repair by itself."""


async def _intake_type(service: IntakeService[Any, Any]) -> str:
    assert service.redis is not None
    kind: bytes | str = await service.redis.type(service.intake)
    return kind.decode() if isinstance(kind, bytes) else kind


async def _watch(service: IntakeService[Any, Any], stop: asyncio.Event) -> None:
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
            kind = "stream"  # Redis is away: FastStream and the loops retry, and say so in the log
        if kind not in ("stream", "none"):
            raise IntakeUnusable(
                f"{service.intake} is a {kind}, not a stream: delete it (the {service.name} service then creates "
                "the stream and its group again) or point LIAISON_REDIS_URL at the right Redis"
            )
        await pause(stop, WATCH_EVERY_S)


async def serve(
    build: Callable[[], tuple[FastStream, IntakeService[Any, Any]]],
    stop: asyncio.Event,
    *,
    restart_within_s: float = RESTART_WITHIN_S,
) -> None:
    """Run apps made by ``build`` until ``stop`` is set; recreate the intake stream and group if they vanish.

    The first start raises what it meets (the caller turns it into exit 2). After that, when the
    intake stream is deleted or its group destroyed, the app is stopped and started again, which
    creates both at 0 again: reports written since are all read (and any read twice are answered
    from what the store recorded, as resends are). Starting again is retried while Redis cannot be
    reached, for ``restart_within_s`` (0: not retried); then the error is raised.
    """
    give_up_at: float | None = None
    delay = 0.1
    while not stop.is_set():
        app, service = build()
        try:
            await app.start()
        except REDIS_FAILURES as err:
            with contextlib.suppress(*REDIS_FAILURES):
                await app.stop()
            if give_up_at is None or asyncio.get_running_loop().time() >= give_up_at:
                raise
            service.log.warning("restart_failed", error=str(err), retry_in_s=delay)
            await pause(stop, delay)
            delay = min(delay * 2, 2.0)
            continue
        delay = 0.1
        try:
            await _watch(service, stop)
        finally:
            await app.stop()
        if not stop.is_set():
            give_up_at = asyncio.get_running_loop().time() + restart_within_s
            service.log.error(
                "intake_lost",
                intake=service.intake,
                group=service.group,
                action="the stream or its consumer group vanished; creating them again at 0 and reading on",
            )


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when asked to stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()

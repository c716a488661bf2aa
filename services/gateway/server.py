"""Run the gateway: listen on LIAISON_HTTP until SIGINT or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import signal

import structlog
from aiohttp import web

from services.gateway.app import build_app
from services.gateway.config import GatewayConfig
from shared.redis_client import redacted

log = structlog.get_logger("gateway")

SHUTDOWN_GRACE_S = 5.0
"""How long requests in flight may finish after a stop signal (open update streams end within a read)."""


class ListenError(Exception):
    """The address cannot be listened on (in use, not a local address, not permitted)."""


async def serve(config: GatewayConfig, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set, or until SIGINT/SIGTERM when no event is given."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(build_app(config), access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port)
        try:
            await site.start()
        except OSError as err:
            raise ListenError(f"cannot listen on {config.address}: {err.strerror or err}") from err
        log.info("listening", http=f"http://{config.address}/", redis=redacted(config.redis_url))
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()

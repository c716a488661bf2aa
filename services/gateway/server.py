"""Run the gateway: listen on LIAISON_HTTP until SIGINT or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from services.gateway.app import build_app
from services.gateway.config import GatewayConfig
from shared.redis_client import redacted

log = structlog.get_logger("gateway")

SHUTDOWN_GRACE_S = 5.0
"""How long requests in flight may finish after a stop signal (open update streams end within a read)."""


class ClientErrors(logging.Filter):
    """aiohttp logs a request it cannot parse (a malformed header, a method that is not one) as an error with a
    traceback; it is the client's mistake, answered 400: logged here as one warning line, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            first = str(error.message).strip().splitlines()[0] if error.message else type(error).__name__
            record.msg, record.args = f"bad request from a client, answered {error.code}: {first}", ()
            record.levelno, record.levelname, record.exc_info, record.exc_text = logging.WARNING, "WARNING", None, None
        return True


def quiet_client_errors() -> None:
    """Install ``ClientErrors`` on aiohttp's server logger (once)."""
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientErrors) for f in server_log.filters):
        server_log.addFilter(ClientErrors())


class ListenError(Exception):
    """The address cannot be listened on (in use, not a local address, not permitted)."""


async def serve(config: GatewayConfig, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set, or until SIGINT/SIGTERM when no event is given."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    quiet_client_errors()
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

"""Put reports on the services' intake streams and wait for their outcomes."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from shared import reports
from shared.outcomes.waiter import OutcomeWaiter
from shared.store import keys

READ_BLOCK_MS = 200
"""How long one read of the outcomes stream blocks; also how soon the reader notices it should stop."""


def route(line: bytes) -> tuple[str, str] | dict[str, Any]:
    """(service, command_id) for a routable report, else a local rejection saying what is wrong."""
    routed = reports.route(line)
    if isinstance(routed, reports.Unroutable):
        return {
            "command_id": routed.command_id,
            "status": "rejected",
            "reason": {"code": routed.reason.code, "message": routed.reason.message},
        }
    return routed.service, routed.command_id


class Sender:
    """Sends reports and matches outcomes to them by command id, with the gateway's outcome reader."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.waiter = OutcomeWaiter(redis, block_ms=READ_BLOCK_MS)

    async def __aenter__(self) -> Sender:
        # The reader takes its position before anything is sent, so no outcome of ours slips past.
        self.waiter.start()
        await self.waiter.ready.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.waiter.stop()

    async def send(self, service: str, command_id: str, line: bytes) -> asyncio.Future[bytes]:
        """Put one report on its service's intake; the future resolves with its outcome's JSON."""
        future = self.waiter.expect(command_id)
        await self.redis.xadd(keys.intake(service), {"report": line})
        return future

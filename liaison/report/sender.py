"""Put reports on the services' intake streams and wait for their outcomes."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from liaison.report.keyring import Keyring
from liaison.report.types import SERVICE_OF
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
    """Sends reports, each signed by its unit's key in ``keyring``, and matches outcomes to them by command id."""

    def __init__(self, redis: Redis, keyring: Keyring | None = None) -> None:
        self.redis = redis
        self.keyring = keyring if keyring is not None else Keyring()
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
        future = self.waiter.expect(command_id, by_entry=True)  # its own entry's outcome, no one else's
        intake = keys.intake(service)
        entry_id = await self.redis.xadd(intake, self.keyring.entry(line))  # type: ignore[arg-type]
        self.waiter.bind(command_id, future, intake, entry_id)
        return future


async def _reading(client: Redis, service: str) -> bool:
    """True if some process of the service created its consumer group on its intake (it is there to answer)."""
    try:
        groups: Any = await client.xinfo_groups(keys.intake(service))
    except ResponseError:
        return False  # no intake stream yet: the service never started
    return bool(groups)


async def served(client: Redis) -> dict[str, str]:
    """The routing table, without the report types of services not running (the hotline's are always kept)."""
    services = {s for s in set(SERVICE_OF.values()) if s == "hotline" or await _reading(client, s)}
    return {kind: service for kind, service in SERVICE_OF.items() if service in services}

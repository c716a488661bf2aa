"""Forgets the consumers that earlier processes left in a group, so restarts do not pile them up.

Consumer names are ``<host>-<pid>`` (one per process), so every restart adds one to each group it
reads. A consumer is deleted only when it holds nothing (no pending entries: XGROUP DELCONSUMER
would drop those) and has been idle far longer than any live process ever is between reads.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.redis_client import text

IDLE_BEFORE_FORGOTTEN_MS = 60 * 60 * 1000
"""An hour without a read: a live process reads at least every few seconds (its block timeout)."""


async def forget_departed(
    redis: Redis, stream: str, group: str, *, keep: str, idle_ms: int = IDLE_BEFORE_FORGOTTEN_MS
) -> list[str]:
    """Delete the group's consumers that hold no entries and have been idle over ``idle_ms``; their names."""
    try:
        consumers: Any = await redis.xinfo_consumers(stream, group)
    except ResponseError:
        return []  # no stream or no group yet: nothing to tidy
    departed = [
        text(c["name"])
        for c in consumers
        if text(c["name"]) != keep and int(c["pending"]) == 0 and int(c["idle"]) > idle_ms
    ]
    for name in departed:
        await redis.xgroup_delconsumer(stream, group, name)
    return departed

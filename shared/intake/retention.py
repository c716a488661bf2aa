"""Trims an intake stream of the reports already answered, once they are a day old.

An intake is not the log (ADR 0009 is about the partition logs): once a report is answered, its
entry is only a copy of what the log, the outcome and any dead letter already hold, and free text
in it would otherwise stay in Redis for good. An entry goes only when it is older than
``KEEP_S``, was delivered to the group (not still waiting to be read) and is not pending (not
being processed, nor waiting to be reclaimed).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.redis_client import text

KEEP_S = 24 * 60 * 60
"""Answered reports stay a day on the intake, for whoever wants to look at what came in."""
EVERY_S = 60.0
"""How often a service trims its intake."""


def _older(a: str, b: str) -> str:
    """The lower of two stream ids."""
    ams, _, aseq = a.partition("-")
    bms, _, bseq = b.partition("-")
    return a if (int(ams), int(aseq or 0)) <= (int(bms), int(bseq or 0)) else b


async def boundary(redis: Redis, intake: str, group: str, keep_s: float = KEEP_S) -> str | None:
    """The id below which every entry is answered and older than ``keep_s``; None if the group is not there."""
    try:
        groups: Any = await redis.xinfo_groups(intake)
    except ResponseError:
        return None
    found = next((g for g in groups if text(g["name"]) == group), None)
    if found is None:
        return None
    delivered = text(found["last-delivered-id"])
    ms, _, seq = delivered.partition("-")
    limit = f"{ms}-{int(seq or 0) + 1}"  # the last delivered entry itself is answered once not pending
    pending: Any = await redis.xpending(intake, group)
    if pending["pending"]:
        limit = _older(limit, text(pending["min"]))
    return _older(limit, f"{int((time.time() - keep_s) * 1000)}-0")


async def trim_answered(redis: Redis, intake: str, group: str, keep_s: float = KEEP_S) -> int:
    """Remove the intake's answered entries older than ``keep_s``; how many went."""
    below = await boundary(redis, intake, group, keep_s)
    if below is None:
        return 0
    removed: int = await redis.xtrim(intake, minid=below, approximate=False)
    return removed


async def keep_trimmed(redis: Redis, intake: str, group: str, log: Any, every_s: float = EVERY_S) -> None:
    """Trim the intake every ``every_s`` for ever; a failure is logged and tried again next time."""
    while True:
        try:
            removed = await trim_answered(redis, intake, group)
        except (RedisError, OSError) as err:
            log.warning("intake_trim_failed", intake=intake, error=str(err))
        else:
            if removed:
                log.info("intake_trimmed", intake=intake, removed=removed)
        await asyncio.sleep(every_s)

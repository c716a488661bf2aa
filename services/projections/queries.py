"""How far behind the projections are (the read model itself is read through shared/readmodel/)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.redis_client import text
from shared.store import keys
from shared.store.port import EventStorePort


async def backlog(redis: Redis, store: EventStorePort, group: str = keys.PROJECTIONS_GROUP) -> int:
    """Log entries the projections have not finished: pending ones plus those not yet delivered."""
    total = 0
    for p in range(store.partitions):
        log = keys.PartitionKeys(p).log
        groups: Any = await redis.xinfo_groups(log) if await redis.exists(log) else []
        found = next((g for g in groups if text(g["name"]) == group), None)
        if found is None:  # no worker ever read this partition: all of it is still to do
            total += await store.numbered(p)
            continue
        lag = found.get("lag")
        if lag is None:  # unknown after deletions from the log: count what follows the group's position
            rest: Any = await redis.xrange(log, f"({text(found['last-delivered-id'])}", "+")
            lag = len(rest)
        total += int(found["pending"]) + int(lag)
    return total

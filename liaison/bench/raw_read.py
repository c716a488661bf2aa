"""The replay's baseline: read partition logs with redis-py's plain XRANGE, nothing else.

``python -m liaison.bench.raw_read URL P,P,...`` prints how many entries it read. Started
once per process of the replay it is compared with, so both use the same cores.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from redis.asyncio import Redis

from shared.store import keys

CHUNK = 2000


async def read(url: str, partitions: list[int]) -> int:
    """Read every entry of the given partition logs, in chunks; the number read."""
    redis = Redis.from_url(url)
    total = 0
    try:
        for p in partitions:
            log, start = keys.PartitionKeys(p).log, "-"
            while True:
                entries: Any = await redis.xrange(log, start, "+", count=CHUNK)
                total += len(entries)
                if len(entries) < CHUNK:
                    break
                start = f"({entries[-1][0].decode()}"
    finally:
        await redis.aclose()
    return total


if __name__ == "__main__":
    print(asyncio.run(read(sys.argv[1], [int(p) for p in sys.argv[2].split(",") if p])))

"""Every value a Redis holds, read back in full, so a test can prove a secret is nowhere in it."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis


async def every_value(redis: Redis) -> list[bytes]:
    """Each key's name, its DUMP, and its content read by type (strings, hashes, sets, sorted sets, lists, streams)."""
    found: list[bytes] = []
    async for key in redis.scan_iter(count=1000):
        found.append(key)
        dumped = await redis.dump(key)
        if dumped is not None:
            found.append(dumped)
        kind = (await redis.type(key)).decode()
        content: Any
        if kind == "string":
            content = [await redis.get(key)]
        elif kind == "hash":
            content = [b for pair in (await redis.hgetall(key)).items() for b in pair]  # type: ignore[misc]
        elif kind == "set":
            content = list(await redis.smembers(key))  # type: ignore[misc]
        elif kind == "zset":
            content = await redis.zrange(key, 0, -1)
        elif kind == "list":
            content = await redis.lrange(key, 0, -1)  # type: ignore[misc]
        elif kind == "stream":
            content = [v for _id, fields in await redis.xrange(key) for pair in fields.items() for v in pair]
        else:
            raise AssertionError(f"key {key!r} of unexpected type {kind}")
        found.extend(c for c in content if c is not None)
    return found


async def holds(redis: Redis, secret: bytes) -> list[bytes]:
    """The values (truncated) that contain the secret; [] if none."""
    return [value[:80] for value in await every_value(redis) if secret in value]


async def names_lookups(redis: Redis) -> int:
    """HMGET calls the server has run so far: a names lookup is one HMGET of the names index."""
    stats: dict[str, Any] = await redis.info("commandstats")
    return int(stats.get("cmdstat_hmget", {}).get("calls", 0))

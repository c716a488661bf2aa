"""Following the case updates the projections write (one stream per partition): the one updates reader.

``read_raw`` is what the gateway's server-sent events send (the stored fields, the view's JSON
as written); ``read_updates`` decodes them for the CLI (``liaison watch``) and tests. Positions are
per partition (partition -> entry id) and move forward in place, so reading again resumes without
a gap; ``"$"`` (``FROM_NOW``) means the partition's latest update.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
import structlog
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from shared.access.principals import Principal
from shared.readmodel.queries import seen_at
from shared.readmodel.schema import CaseUpdate, decode_view
from shared.redis_client import text
from shared.store.keys import PartitionKeys
from shared.store.port import EventStorePort

FROM_NOW = "$"
"""A position in ``read_updates``' ``after``: only updates written from now on."""

BLOCK_SLICE_MS = 4000
"""Longest single blocking XREAD: redis-py 8.1 times a read out after its default socket_timeout of 5 s."""

log = structlog.get_logger("readmodel")

RawUpdate = tuple[int, str, dict[bytes, bytes]]
"""Partition, position, and the update's fields as stored (``case_id``, ``version``, ``view``)."""


async def updates_now(redis: Redis, store: EventStorePort) -> dict[int, str]:
    """Each partition's latest case-update position: follow from here to see only new updates."""
    async with redis.pipeline(transaction=False) as pipe:
        for p in range(store.partitions):
            pipe.xrevrange(PartitionKeys(p).updates, "+", "-", count=1)
        replies = await pipe.execute()
    return {p: text(last[0][0]) if last else "0-0" for p, last in enumerate(replies)}


async def read_raw(
    redis: Redis, store: EventStorePort, after: dict[int, str], count: int = 100, block_ms: int = 0,
    viewer: Principal | None = None,
) -> list[RawUpdate]:
    """Updates after the given positions, oldest first per partition, as stored; ``after`` moves to what was read.

    ``count`` is per partition; ``block_ms`` > 0 waits that long for an update when there is none
    (0: do not wait). One XREAD covers the partitions asked for. ``redis``: the client the reads go
    through (the gateway gives its own for long blocking reads). ``viewer``: only updates of cases it may
    see (the positions still move past the others).
    """
    if any(position == FROM_NOW for position in after.values()):
        now = await updates_now(redis, store)
        for p, position in after.items():
            if position == FROM_NOW:
                after[p] = now[p]
    streams: dict[Any, Any] = {PartitionKeys(p).updates: position for p, position in after.items()}
    if not streams:
        return []
    partition_of_stream = {PartitionKeys(p).updates: p for p in after}
    reply: Any = await _xread(redis, streams, count, block_ms)
    updates: list[RawUpdate] = []
    for stream, entries in reply or []:
        p = partition_of_stream[text(stream)]
        for entry_id, fields in entries:
            position = text(entry_id)
            after[p] = position
            shown = fields if viewer is None else await _as_seen(store, fields, viewer)
            if shown is not None:
                updates.append((p, position, shown))
    return updates


async def read_updates(
    redis: Redis, store: EventStorePort, after: dict[int, str], count: int = 100, block_ms: int = 0
) -> list[tuple[int, str, CaseUpdate]]:
    """``read_raw``, each update decoded."""
    found = await read_raw(redis, store, after, count, block_ms)
    return [(p, position, decode(fields)) for p, position, fields in found]


async def _as_seen(store: EventStorePort, fields: dict[bytes, bytes], viewer: Principal) -> dict[bytes, bytes] | None:
    """The update as ``viewer`` may see it (its view folded from what it may see), or None if it may not."""
    stored = fields.get(b"view", b"")
    version = text(fields.get(b"version", b""))
    case_id = text(fields.get(b"case_id", b""))
    try:  # the case as it stood at this update, not as it stands now (a later event must not hide this one)
        seen, made_by_seen = await seen_at(store, case_id, stored, viewer, int(version) if version.isdigit() else None)
    except (RedisError, OSError):
        raise
    except Exception:  # one update that cannot be shown never ends the stream
        log.exception("update_left_out", case_id=case_id)
        return None
    if seen is None:
        return None
    if seen is stored:
        return fields
    # An update made by an event the viewer may not see is not sent: even its timing would disclose it. The one
    # sent carries the version numbered for this reader (queries.py), as its view does.
    if not made_by_seen:
        return None
    return {**fields, b"view": seen, b"version": str(_version(seen)).encode()}


class _Version(msgspec.Struct):
    version: int


_version_of = msgspec.json.Decoder(_Version).decode


def _version(raw_view: bytes) -> int:
    return _version_of(raw_view).version


def decode(fields: dict[bytes, bytes]) -> CaseUpdate:
    """One stored update."""
    return CaseUpdate(
        case_id=text(fields[b"case_id"]), version=int(fields[b"version"]), view=decode_view(fields[b"view"])
    )


CLUSTER_POLL_S = 0.05
"""On a Redis Cluster, how often an idle follower reads every partition again (ADR 0021)."""


async def _xread(redis: Any, streams: dict[Any, Any], count: int, block_ms: int) -> Any:
    if isinstance(redis, RedisCluster) and len(streams) > 1:
        return await _poll(redis, streams, count, block_ms)
    deadline = time.monotonic() + block_ms / 1000
    while True:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        block = min(remaining_ms, BLOCK_SLICE_MS) if remaining_ms > 0 else None
        reply: Any = await redis.xread(streams, count=count, block=block)
        if reply or block is None or remaining_ms <= BLOCK_SLICE_MS:
            return reply


async def _poll(redis: RedisCluster, streams: dict[Any, Any], count: int, block_ms: int) -> Any:
    """XREAD over several partitions of a Redis Cluster: each partition's stream has its own hash slot and one
    XREAD may name keys of one slot only, so every partition is read without blocking, in one pipeline (one
    round trip per node), again every ``CLUSTER_POLL_S`` until something comes or ``block_ms`` has passed."""
    deadline = time.monotonic() + block_ms / 1000
    while True:
        async with redis.pipeline() as pipe:
            for stream, position in streams.items():
                pipe.xread({stream: position}, count=count)
            replies = await pipe.execute()
        found = [pair for reply in replies for pair in (reply or [])]
        if found or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(min(CLUSTER_POLL_S, max(deadline - time.monotonic(), 0)))

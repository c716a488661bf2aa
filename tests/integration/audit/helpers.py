"""Helpers of the auditors' tools tests: run the CLI in-process, read a store whole."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from liaison.cli import main
from services.projections.rebuild import rebuild
from shared.readmodel.fold import encode_view
from shared.store import EventStore


def run(argv: list[str], url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """``liaison ARGV`` against the Redis at ``url``; its exit code."""
    monkeypatch.setenv("LIAISON_REDIS_URL", url)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


async def _contents(url: str) -> dict[str, Any]:
    redis = Redis.from_url(url)
    try:
        store = await EventStore.open(redis)
        found: dict[str, Any] = {"partitions": store.partitions}
        for p in range(store.partitions):
            k = store.keys(p)
            heads: dict[bytes, bytes] = await redis.hgetall(k.heads)  # type: ignore[assignment]
            found[f"{p}"] = {
                "log": await redis.xrange(k.log),
                "number": await redis.get(k.number),
                "heads": heads,
                "eids": await redis.hgetall(k.eids),
                "cmds": await redis.hgetall(k.cmds),
                "indexes": {case: await redis.lrange(k.case(case.decode()), 0, -1) for case in heads},
            }
        return found
    finally:
        await redis.aclose()


def contents(url: str) -> dict[str, Any]:
    """Everything the event store holds (logs with their ids, counters, heads, event/command ids, case indexes)."""
    return asyncio.run(_contents(url))


async def _views(url: str) -> dict[str, bytes]:
    redis = Redis.from_url(url)
    try:
        return {case: encode_view(view) for case, view in (await rebuild(redis, await EventStore.open(redis))).items()}
    finally:
        await redis.aclose()


def rebuilt_views(url: str) -> dict[str, bytes]:
    """Every view rebuilt from the log, as JSON by case id."""
    return asyncio.run(_views(url))


async def _dbsize(url: str) -> int:
    redis = Redis.from_url(url)
    try:
        return int(await redis.dbsize())
    finally:
        await redis.aclose()


def dbsize(url: str) -> int:
    """How many keys the Redis holds."""
    return asyncio.run(_dbsize(url))

"""Running hotline apps in-process against the session's redis-server, and reading what they answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from redis.asyncio import Redis

from services.hotline.app import HotlineService, build
from services.hotline.config import HotlineConfig
from shared.outcomes import Outcome, outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.intake_apps import app_running, send_to
from tests.signing import register_test_keys

INTAKE = keys.intake("hotline")
DEAD = keys.dead_letters("hotline")

RunHotline = Callable[..., AbstractAsyncContextManager[HotlineService]]


@pytest.fixture
def run_hotline(redis: Redis, redis_server: RedisServer) -> RunHotline:
    """Start a hotline app in this event loop (the ``redis`` fixture has emptied Redis); stopped on exit."""

    def run(consumer: str = "test-1", **overrides: Any) -> AbstractAsyncContextManager[HotlineService]:
        config = HotlineConfig(redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer=consumer, **overrides)
        return app_running(build, config)

    return run


async def send(redis: Redis, report: dict[str, Any] | bytes) -> bytes:
    """Put one report on the intake in the documented format; returns its entry id."""
    return await send_to(redis, INTAKE, report)


async def outcomes(redis: Redis, count: int, within: float = 10.0) -> list[Outcome]:
    """Wait (polling, with a deadline) until the outcomes stream holds at least ``count`` outcomes."""
    deadline = time.monotonic() + within
    while True:
        entries = await redis.xrange(keys.OUTCOMES)
        if len(entries) >= count:
            return [outcome_decoder.decode(fields[b"outcome"]) for _, fields in entries]
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(entries)} outcomes after {within} s, expected {count}")
        await asyncio.sleep(0.02)


async def outcome_of(redis: Redis, command_id: str, within: float = 10.0) -> Outcome:
    """Wait for the first outcome of one command."""
    deadline = time.monotonic() + within
    while True:
        for _, fields in await redis.xrange(keys.OUTCOMES):
            if fields[b"command_id"].decode() == command_id:
                return outcome_decoder.decode(fields[b"outcome"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no outcome for {command_id} after {within} s")
        await asyncio.sleep(0.02)


async def pending(redis: Redis) -> int:
    """Entries of the hotline group read but not acknowledged."""
    summary = await redis.xpending(INTAKE, "hotline")
    return int(summary["pending"])


@pytest.fixture
async def store(redis: Redis) -> EventStore:
    """A fresh event store with the test keys registered (tests/signing.py): the intakes here check signatures."""
    return await register_test_keys(redis)

"""Running incidents apps in-process against the session's redis-server, and reading what they answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from services.incidents.app import IncidentsService, build
from services.incidents.config import IncidentsConfig
from services.incidents.domain import default_policy
from shared.events import AnyEvent
from shared.outcomes import Outcome, outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.intake_apps import app_running, send_to
from tests.signing import KEYS, register_test_keys

INTAKE = keys.intake("incidents")
DEAD = keys.dead_letters("incidents")

RunIncidents = Callable[..., AbstractAsyncContextManager[IncidentsService]]

PATIENT = msgspec.structs.replace(default_policy(), acknowledge_within=timedelta(days=3650))
"""The policy tests run under unless they give one: the test reports carry fixed times (23 Nov 2026), and
an incident's acknowledgement deadline runs from its report's time, so under the shipped 24 h every
incident raised in a test run after 24 Nov 2026 would fall overdue at once."""


@pytest.fixture
def run_incidents(redis: Redis, redis_server: RedisServer) -> RunIncidents:
    """Start an incidents app in this event loop (the ``redis`` fixture emptied Redis); stopped on exit.

    The deadline watch scans every 50 ms and the log reader blocks 100 ms, so tests are quick.
    """

    def run(consumer: str = "test-1", **overrides: Any) -> AbstractAsyncContextManager[IncidentsService]:
        settings: dict[str, Any] = {"scan_every_s": 0.05, "log_block_ms": 100, "policy": PATIENT} | overrides
        config = IncidentsConfig(
            signing_key=KEYS["incidents"], redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer=consumer,
            **settings,
        )
        return app_running(build, config)

    return run


async def send(redis: Redis, report: dict[str, Any] | bytes) -> bytes:
    """Put one report on the incidents intake in the documented format; returns its entry id."""
    return await send_to(redis, INTAKE, report)


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 10.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met after {within} s")
        await asyncio.sleep(0.02)


async def outcome_of(redis: Redis, command_id: str, within: float = 10.0) -> Outcome:
    """Wait for the first outcome of one command."""

    async def find() -> Outcome | None:
        for _, fields in await redis.xrange(keys.OUTCOMES):
            if fields[b"command_id"].decode() == command_id:
                return outcome_decoder.decode(fields[b"outcome"])
        return None

    found: Outcome = await eventually(find, within, f"an outcome for {command_id}")
    return found


async def outcomes_of(redis: Redis, command_id: str) -> list[Outcome]:
    """Every outcome written so far for one command."""
    return [
        outcome_decoder.decode(fields[b"outcome"])
        for _, fields in await redis.xrange(keys.OUTCOMES)
        if fields[b"command_id"].decode() == command_id
    ]


async def events_of(store: EventStore, case_id: str) -> list[AnyEvent]:
    """Every event of a case, in order."""
    return [entry.event() for entry in await store.read_case(case_id)]


@pytest.fixture
async def store(redis: Redis) -> EventStore:
    """A fresh event store with the test keys registered (tests/signing.py): the intakes here check signatures."""
    return await register_test_keys(redis)

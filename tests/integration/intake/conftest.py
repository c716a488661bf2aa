"""Fixtures of these tests: a store whose key registry holds the test keys (the intakes check signatures)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.store import EventStore
from tests.signing import register_test_keys


@pytest.fixture
async def store(redis: Redis) -> EventStore:
    """A fresh event store with the test keys registered (tests/signing.py): the intakes here check signatures."""
    return await register_test_keys(redis)

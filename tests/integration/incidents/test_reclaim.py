"""Entries a dead consumer left pending are reclaimed; one delivered too often is dead-lettered."""

from __future__ import annotations

from redis.asyncio import Redis

from services.incidents.config import GROUP
from services.incidents.domain import reasons as reasons
from tests.integration.incidents.conftest import DEAD, INTAKE, RunIncidents, eventually, outcome_of, send
from tests.unit.incidents import incident_reports as inc


async def _left_pending_by_a_dead_consumer(redis: Redis, command_id: str, deliveries: int = 1) -> bytes:
    """A report read by consumer ``dead`` (which then died), delivered ``deliveries`` times in all."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    entry_id = await send(redis, inc.raise_incident(command_id=command_id))
    await redis.xreadgroup(GROUP, "dead", {INTAKE: ">"}, count=10)
    if deliveries > 1:
        await redis.xclaim(INTAKE, GROUP, "dead", 0, [entry_id], retrycount=deliveries)
    return entry_id


async def test_a_report_a_dead_consumer_left_pending_is_reclaimed_and_answered(
    redis: Redis, run_incidents: RunIncidents
) -> None:
    """The service claims the idle entry (XAUTOCLAIM) and records it; nothing stays pending."""
    await _left_pending_by_a_dead_consumer(redis, "orphan")
    async with run_incidents(reclaim_idle_ms=100):
        outcome = await outcome_of(redis, "orphan")

        async def drained() -> bool:
            return int((await redis.xpending(INTAKE, GROUP))["pending"]) == 0

        await eventually(drained, what="no entry pending")
    assert outcome.status == "accepted"


async def test_a_report_delivered_too_often_is_dead_lettered_with_an_answer(
    redis: Redis, run_incidents: RunIncidents
) -> None:
    """Past max_deliveries the entry is not decided again: processing_failed, and kept in the dead-letter stream."""
    entry_id = await _left_pending_by_a_dead_consumer(redis, "cursed", deliveries=9)
    async with run_incidents(reclaim_idle_ms=100, max_deliveries=5):
        outcome = await outcome_of(redis, "cursed")
        [(_, fields)] = await eventually(lambda: redis.xrange(DEAD), what="a dead letter")
    assert outcome.status == "rejected"
    assert outcome.reason is not None
    assert outcome.reason.code == reasons.PROCESSING_FAILED
    assert fields[b"entry_id"] == entry_id
    assert b"deliveries" in fields[b"reason"]

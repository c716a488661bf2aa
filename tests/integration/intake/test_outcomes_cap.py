"""The outcomes stream is a capped mailbox (ADR 0007); the answers themselves are not lost with it."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.intake import batch_io
from shared.intake.batch_io import Finished, publish
from shared.outcomes import rejected
from shared.store import keys

INTAKE = keys.intake("hotline")
GROUP = "hotline"


async def _publish_rejections(redis: Redis, first: int, count: int) -> None:
    for i in range(first, first + count):
        entry_id = await redis.xadd(INTAKE, {"report": b"{}"})
        outcome = rejected(f"cmd-{i}", "malformed", "report: not a report")
        await publish(redis, [Finished(entry_id, outcome, remember_rejection=True)], keys.dead_letters("hotline"),
                      60, intake=INTAKE, group=GROUP)


async def test_the_outcomes_stream_keeps_about_the_last_outcomes_kept_and_no_more(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap the oldest outcomes are trimmed (in whole nodes, so about the cap), the newest are all there,
    and a trimmed rejection is still remembered for a resend."""
    monkeypatch.setattr(batch_io, "OUTCOMES_KEPT", 200)
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    await _publish_rejections(redis, 0, 1000)
    length = await redis.xlen(keys.OUTCOMES)
    assert 200 <= length < 400, length
    newest = await redis.xrevrange(keys.OUTCOMES, count=200)
    assert {fields[b"command_id"] for _, fields in newest} == {f"cmd-{i}".encode() for i in range(800, 1000)}
    assert await redis.exists(keys.rejection("cmd-0")) == 1

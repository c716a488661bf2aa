"""An intake keeps what is unread or pending and sheds answered reports once they are old enough."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.intake.retention import trim_answered

INTAKE = "liaison:intake:test"
GROUP = "g"


async def _entries(redis: Redis, n: int) -> list[bytes]:
    return [await redis.xadd(INTAKE, {"report": f"{{\"n\": {i}}}"}) for i in range(n)]


async def _read(redis: Redis, count: int) -> list[bytes]:
    reply = await redis.xreadgroup(GROUP, "c1", {INTAKE: ">"}, count=count)
    return [entry_id for _, entries in reply for entry_id, _ in entries]


async def test_answered_entries_go_and_pending_or_unread_ones_stay(redis: Redis) -> None:
    """Of ten entries, the first four answered (acked), the next three pending, three unread: only the four go."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 10)
    read = await _read(redis, 7)
    await redis.xack(INTAKE, GROUP, *read[:4])

    removed = await trim_answered(redis, INTAKE, GROUP, keep_s=0)

    assert removed == 4
    left = [entry_id for entry_id, _ in await redis.xrange(INTAKE)]
    assert left == ids[4:]


async def test_everything_answered_goes_up_to_the_last_delivered_entry(redis: Redis) -> None:
    """With every delivered entry acked, all of them go and an unread one stays."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 4)
    await redis.xack(INTAKE, GROUP, *await _read(redis, 3))

    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 3
    assert [entry_id for entry_id, _ in await redis.xrange(INTAKE)] == ids[3:]


async def test_answered_entries_younger_than_the_retention_stay(redis: Redis) -> None:
    """An answered report is kept for the retention time (a day by default)."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    await _entries(redis, 3)
    await redis.xack(INTAKE, GROUP, *await _read(redis, 3))
    assert await trim_answered(redis, INTAKE, GROUP) == 0
    assert await redis.xlen(INTAKE) == 3


async def test_no_group_no_trim(redis: Redis) -> None:
    """Before the service created its group nothing was answered: nothing is trimmed."""
    await _entries(redis, 3)
    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 0
    assert await redis.xlen(INTAKE) == 3

"""An intake keeps what is unread or pending and sheds answered reports once they are old enough."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.intake.retention import trim_answered
from shared.redis_client import connect
from shared.redis_server import RedisServer

INTAKE = "liaison:intake:test"
GROUP = "g"


async def _entries(redis: Redis, n: int) -> list[bytes]:
    added: list[Any] = [await redis.xadd(INTAKE, {"report": f"{{\"n\": {i}}}"}) for i in range(n)]
    return added


async def _read(redis: Redis, count: int, consumer: str = "c1") -> list[bytes]:
    reply: Any = await redis.xreadgroup(GROUP, consumer, {INTAKE: ">"}, count=count)
    return [entry_id for _, entries in reply for entry_id, _ in entries]


async def _left(redis: Redis) -> list[bytes]:
    """The ids still on the intake."""
    entries: Any = await redis.xrange(INTAKE)
    return [entry_id for entry_id, _ in entries]


async def test_answered_entries_go_and_pending_or_unread_ones_stay(redis: Redis) -> None:
    """Of ten entries, the first four answered (acked), the next three pending, three unread: only the four go."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 10)
    read = await _read(redis, 7)
    await redis.xack(INTAKE, GROUP, *read[:4])

    removed = await trim_answered(redis, INTAKE, GROUP, keep_s=0)

    assert removed == 4
    left = await _left(redis)
    assert left == ids[4:]


async def test_everything_answered_goes_up_to_the_last_delivered_entry(redis: Redis) -> None:
    """With every delivered entry acked, all of them go and an unread one stays."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 4)
    await redis.xack(INTAKE, GROUP, *await _read(redis, 3))

    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 3
    assert await _left(redis) == ids[3:]


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


async def test_an_entry_autoclaimed_by_another_consumer_stays(redis: Redis) -> None:
    """An entry XAUTOCLAIMed from c1 to c2 is still pending: it and everything after it stay."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 5)
    read = await _read(redis, 5)
    await redis.xack(INTAKE, GROUP, *read[:2], *read[3:])
    await redis.xautoclaim(INTAKE, GROUP, "c2", min_idle_time=0)
    [pending] = await redis.xpending_range(INTAKE, GROUP, min="-", max="+", count=10)
    assert (pending["message_id"], pending["consumer"]) == (ids[2], b"c2")

    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 2
    assert await _left(redis) == ids[2:]


async def test_an_entry_left_pending_by_a_consumer_that_died_stays(redis: Redis, redis_server: RedisServer) -> None:
    """A consumer reads four entries on its own connection, acks all but the second, and is gone: that one stays."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = await _entries(redis, 4)
    doomed = connect(redis_server.url)
    read = await _read(doomed, 4, consumer="doomed")
    await doomed.xack(INTAKE, GROUP, read[0], *read[2:])
    await doomed.aclose()  # it dies before acking the second entry

    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 1
    assert await _left(redis) == ids[1:]


async def test_within_one_millisecond_only_entries_before_the_pending_one_go(redis: Redis) -> None:
    """Entries 5-0, 5-1, 5-2 share a millisecond; with 5-1 pending only 5-0 goes (ids compare by sequence too)."""
    await redis.xgroup_create(INTAKE, GROUP, id="0", mkstream=True)
    ids = [b"5-0", b"5-1", b"5-2"]
    for entry_id in ids:
        await redis.xadd(INTAKE, {"report": "{}"}, id=entry_id)
    assert await _read(redis, 3) == ids
    await redis.xack(INTAKE, GROUP, b"5-0", b"5-2")

    assert await trim_answered(redis, INTAKE, GROUP, keep_s=0) == 1
    assert await _left(redis) == ids[1:]

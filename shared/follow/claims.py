"""The follower's Redis plumbing: taking entries back for a retry, reading stream replies, cancelling its tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from shared.redis_client import text

Reply = Any
"""A stream reply as redis-py returns it (lists under RESP2, a dict of streams under RESP3)."""


async def claim_again(
    redis: Redis, log: str, group: str, consumer: str, failed: list[str], waiting: list[str]
) -> dict[str, dict[bytes, bytes]]:
    """Claim this consumer's entries of partition ``log`` for a retry (resetting their idle time); their fields,
    by position.

    A retry of an entry that failed is one more delivery (toward parking it); one that only waited
    behind another is not, so JUSTID claims it without counting. Entries gone from the log are absent.
    """
    fields: dict[str, dict[bytes, bytes]] = {}
    if failed:
        claimed: Reply = await redis.xclaim(log, group, consumer, 0, _ids(failed))
        fields |= {text(entry_id): f for entry_id, f in claimed if entry_id is not None and f}
    if waiting:
        await redis.xclaim(log, group, consumer, 0, _ids(waiting), justid=True)
        async with redis.pipeline(transaction=False) as pipe:
            for position in waiting:
                pipe.xrange(log, position, position)
            replies: list[Any] = await pipe.execute()
        fields |= {text(found[0][0]): found[0][1] for found in replies if found}
    return fields


def stream_entries(reply: Reply) -> list[tuple[Any, dict[bytes, bytes]]]:
    """The entries of an XREADGROUP reply: RESP2 gives ``[[stream, entries]]``, RESP3 ``{stream: [entries]}``."""
    if isinstance(reply, dict):
        return [entry for wrapped in reply.values() for entries in wrapped for entry in entries]
    return [entry for _, entries in reply or [] for entry in entries]


def _ids(positions: list[str]) -> Any:
    return positions  # redis-py 8.1's stub wants an invariant list of a union (or a 1-tuple) here


async def cancel(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until every one has ended.

    Cancelled again until they end: on Python 3.11, asyncio.wait_for (which redis-py 8.1 wraps
    around every command it sends) drops a cancellation that arrives as the wrapped write completes.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)

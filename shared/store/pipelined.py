"""Many commands in one write, every reply read back: a leaner pipeline for the store's hot paths.

redis-py's asyncio pipeline packs each argument in Python (its synchronous client uses
hiredis for that), which was a quarter of the client's time per append in the profile
(docs/benchmarks.md). On a plain Redis client the commands here are packed by hiredis
and written at once on a pooled connection; a cluster client (whose commands must be
routed by slot) goes through its own pipeline. Error replies are returned in place,
never raised, so one refused command does not hide the replies of the others.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import hiredis
from redis.asyncio import Redis
from redis.exceptions import ResponseError

Command = Sequence[str | bytes | int]

READ_TIMEOUT_S = 30.0
"""Longest wait for a batch's replies when the client sets no socket timeout."""


async def execute(redis: Any, commands: Sequence[Command]) -> list[Any]:
    """Send every command in one round trip; the replies in order, a ResponseError in place of an error reply."""
    if not commands:
        return []
    if not isinstance(redis, Redis):
        async with redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
            return replies
    pool = redis.connection_pool
    connection = await pool.get_connection()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
    try:
        return await _written_and_read(connection, commands, connection.socket_timeout or READ_TIMEOUT_S)
    finally:
        await pool.release(connection)


async def on_node(node: Any, commands: Sequence[Command], deadline_s: float = READ_TIMEOUT_S) -> list[Any]:
    """``execute`` on one connection of one cluster node (a redis-py ``ClusterNode``), with no redirection: the
    replies as that node gave them (a MOVED among them, for a command of a slot it no longer serves)."""
    connection = node.acquire_connection()
    try:
        await node.disconnect_if_needed(connection)  # as redis-py does before it uses one
        return await _written_and_read(connection, commands, deadline_s)
    finally:
        node.release(connection)


async def _written_and_read(connection: Any, commands: Sequence[Command], deadline_s: float) -> list[Any]:
    """Write every command in one packed write, then read every reply (an error reply in place), within one
    deadline for the whole batch (a quarter of the read cost, against one per reply)."""
    try:
        # hiredis's stub types the argument as a 1-tuple; it takes a tuple of any length.
        packed = b"".join([hiredis.pack_command(tuple(c)) for c in commands])  # type: ignore[arg-type]
        await connection.send_packed_command(packed, False)
        replies = []
        async with asyncio.timeout(deadline_s):
            for _ in commands:
                try:
                    replies.append(await connection.read_response(timeout=math.inf))
                except ResponseError as error:  # the connection is still in step: go on reading
                    replies.append(error)
        return replies
    except BaseException:
        await connection.disconnect()  # replies half read would poison the next command on it
        raise


async def checked(redis: Any, commands: Sequence[Command]) -> list[Any]:
    """``execute``, raising the first error reply (after every reply was read)."""
    replies = await execute(redis, commands)
    for reply in replies:
        if isinstance(reply, ResponseError):
            raise reply
    return replies

"""How durable an append is before its report is answered: on the master's disk (``local``, ADR 0017), or also
acknowledged by a replica (``replica``: ``LIAISON_DURABILITY=replica``, ADR 0024).

``WAIT`` counts the replicas that acknowledged every write *of the connection it is sent on* (on a connection
that wrote nothing it answers at once with the replicas connected), so it goes in the very write of the
appends: last in the single Redis's one write, or last in each master's share, written on one connection of
that master (ADR 0024).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import AskError, ClusterDownError, MovedError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.store import pipelined

Level = Literal["local", "replica"]

LEVELS: tuple[Level, ...] = ("local", "replica")

DEFAULT_TIMEOUT_MS = 1_000
"""Longest wait for a replica: an append not acknowledged by then is answered ``local`` (ADR 0024)."""


class DurabilityError(ValueError):
    """LIAISON_DURABILITY or LIAISON_DURABILITY_TIMEOUT_MS holds a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Durability:
    """What an append waits for before it counts as done."""

    level: Level = "local"
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    @property
    def replicas(self) -> int:
        """Replicas that must acknowledge an append (0: none)."""
        return 1 if self.level == "replica" else 0


LOCAL = Durability()
"""The default: nothing waited for beyond the master's own fsync (ADR 0017)."""


def from_env(env: Mapping[str, str]) -> Durability:
    """``LIAISON_DURABILITY`` (``local`` or ``replica``) and ``LIAISON_DURABILITY_TIMEOUT_MS``; errors name them."""
    level = env.get("LIAISON_DURABILITY") or "local"
    if level not in LEVELS:
        raise DurabilityError(f"LIAISON_DURABILITY must be local or replica, got {level!r}")
    raw = env.get("LIAISON_DURABILITY_TIMEOUT_MS") or str(DEFAULT_TIMEOUT_MS)
    if not raw.isdigit() or not 1 <= int(raw) <= 60_000:
        raise DurabilityError(f"LIAISON_DURABILITY_TIMEOUT_MS must be a whole number from 1 to 60000, got {raw!r}")
    return Durability("replica" if level == "replica" else "local", int(raw))


async def execute(
    redis: Any, commands: Sequence[pipelined.Command], routing: Sequence[str], durability: Durability
) -> tuple[list[Any], list[Level | None]]:
    """``pipelined.execute`` of the commands, then the level each reached: with ``replica``, a ``WAIT`` after them
    on their connection; ``routing[i]`` is a key of command i (it names the cluster master it runs on). Under
    ``local`` the levels are None: nothing was asked beyond the default, and outcomes stay as they always were."""
    if durability.replicas == 0:
        replies = await pipelined.execute(redis, commands)
        return replies, [None] * len(replies)
    wait = ("WAIT", durability.replicas, durability.timeout_ms)
    if isinstance(redis, Redis):
        *replies, acked = await pipelined.execute(redis, [*commands, wait])
        level: Level = "replica" if isinstance(acked, int) and acked >= durability.replicas else "local"
        return replies, [level for _ in replies]
    return await _on_cluster(redis, commands, routing, durability, wait)


async def _on_cluster(
    redis: Any, commands: Sequence[pipelined.Command], routing: Sequence[str], durability: Durability,
    wait: tuple[str, int, int],
) -> tuple[list[Any], list[Level | None]]:
    """Each master's share of the commands, then a WAIT, written on one connection of that master
    (``pipelined.on_node``), not through the cluster pipeline, which may send a command again on another
    connection (a retry, ASK or TRYAGAIN) or the WAIT to another node. A command that master did not run
    (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, a lost connection) is sent again through the cluster client's own
    routing, and said ``local``."""
    shares: dict[str, tuple[Any, list[int]]] = {}
    for i, key in enumerate(routing):
        node = redis.get_node_from_key(key)
        shares.setdefault(node.name, (node, []))[1].append(i)
    replies: list[Any] = [None] * len(commands)
    levels: list[Level | None] = [None] * len(commands)
    # One deadline per master (the cluster client sets no socket timeout): a frozen master fails its share, which
    # goes again through the cluster client (a timeout is among _NOT_RUN).
    deadline_s = pipelined.READ_TIMEOUT_S + durability.timeout_ms / 1000
    answers = await asyncio.gather(
        *(pipelined.on_node(node, [*(commands[i] for i in share), wait], deadline_s)
          for node, share in shares.values()),
        return_exceptions=True,
    )
    again: list[int] = []
    for (_, share), answer in zip(shares.values(), answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, _NOT_RUN):
                raise answer
            again += share
            continue
        *done, acked = answer
        level: Level = "replica" if isinstance(acked, int) and acked >= durability.replicas else "local"
        for i, reply in zip(share, done, strict=True):
            if isinstance(reply, _NOT_RUN):
                again.append(i)
            else:
                replies[i], levels[i] = reply, level
    if again:  # the cluster client follows the redirections and refreshes its map of the slots
        for i, reply in zip(again, await pipelined.execute(redis, [commands[i] for i in again]), strict=True):
            replies[i], levels[i] = reply, "local"
    return replies, levels


_NOT_RUN = (MovedError, AskError, TryAgainError, ClusterDownError, RedisConnectionError, RedisTimeoutError, OSError,
            TimeoutError)
"""Replies (or failures) after which a command did not run on the master it was sent to, or may not have: sending
it again is safe (an append already recorded is recognised as a retry)."""

"""How durable an append is before its report is answered: on the master's disk (``local``, ADR 0017), or also
acknowledged by a replica (``replica``: ``LIAISON_DURABILITY=replica``, ADR 0024).

``WAIT`` counts the replicas that acknowledged every write *of the connection it is sent on*, so it goes in
the very batch of the appends: last in the single Redis's one write, or last in each master's share of a
cluster pipeline (which writes each master's commands, in order, on one connection of that master).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

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
    """Each master's commands, then a WAIT on that master, in one cluster pipeline."""
    masters = [redis.get_node_from_key(key) for key in routing]
    async with redis.pipeline(transaction=False) as pipe:
        for command in commands:
            pipe.execute_command(*command)
        named = {node.name: node for node in masters}
        for node in named.values():
            pipe.execute_command(*wait, target_nodes=node)
        answers: list[Any] = await pipe.execute(raise_on_error=False)
    replies, waits = answers[: len(commands)], dict(zip(named, answers[len(commands):], strict=True))
    levels: list[Level | None] = []
    for key, node in zip(routing, masters, strict=True):
        acked = waits[node.name]
        # A command redirected meanwhile (a failover moved its slot) ran on another connection than the WAIT.
        still = redis.get_node_from_key(key).name == node.name
        levels.append("replica" if still and isinstance(acked, int) and acked >= durability.replicas else "local")
    return replies, levels

"""What each Redis server did during a measurement: its CPU and its costliest commands, from INFO before and after."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

TOP = 3
"""Commands named per server, the costliest first."""


@dataclass(frozen=True)
class Use:
    """A server's counters at one moment."""

    cpu_s: float
    """CPU seconds of the server process (all its threads: the fsyncs too) and its children, user and system."""
    commands: dict[str, tuple[int, int]]
    """Command -> (calls, microseconds) since the start, those a script runs included (``INFO commandstats``)."""


async def use(server: Redis) -> Use:
    """The server's counters now."""
    cpu: Any = await server.info("cpu")
    stats: Any = await server.info("commandstats")
    return Use(
        cpu_s=sum(float(cpu[k]) for k in ("used_cpu_user", "used_cpu_sys", "used_cpu_user_children",
                                          "used_cpu_sys_children")),
        commands={name.removeprefix("cmdstat_"): (int(v["calls"]), int(v["usec"])) for name, v in stats.items()},
    )


async def uses(servers: Sequence[Redis]) -> list[Use]:
    """Every server's counters, read at once."""
    return list(await asyncio.gather(*(use(s) for s in servers)))


def per_report(before: Sequence[Use], after: Sequence[Use], reports: int) -> list[dict[str, Any]]:
    """What each server spent per report between the two readings: CPU (µs), commands, and the costliest ones."""
    out: list[dict[str, Any]] = []
    for then, now in zip(before, after, strict=True):
        spent = {name: (calls - then.commands.get(name, (0, 0))[0], usec - then.commands.get(name, (0, 0))[1])
                 for name, (calls, usec) in now.commands.items()}
        costliest = sorted(((usec, name) for name, (_, usec) in spent.items() if usec > 0), reverse=True)[:TOP]
        out.append({
            "cpu_us_per_report": (now.cpu_s - then.cpu_s) / reports * 1e6,
            "commands_per_report": sum(calls for calls, _ in spent.values()) / reports,
            "top_us_per_report": {name: usec / reports for usec, name in costliest},
        })
    return out

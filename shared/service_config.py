"""What every intake service's process needs to run: Redis, its consumer name, batch size, reclaim and retry limits.

Each service's ``config.py`` extends ``IntakeConfig`` with its own settings and reads them in its ``from_env``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from shared.settings import SettingsError
from shared.store import durability


def default_consumer() -> str:
    """host-pid: unique per process, so `--workers` or two machines never share a pending list."""
    return f"{socket.gethostname()}-{os.getpid()}"


def positive(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of at least 1 from ``env[name]`` (``default`` when unset); SettingsError naming it otherwise."""
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A duration from 0.01 to 3600 seconds from ``env[name]`` (``default`` when unset); SettingsError naming it."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.01 <= value <= 3600:
        raise SettingsError(f"{name} must be a number of seconds from 0.01 to 3600, got {raw!r}")
    return value


@dataclass(frozen=True)
class IntakeConfig:
    """Settings of one process of an intake service (``from_settings`` reads them from LIAISON_* variables)."""

    redis_url: str
    partitions: int = 16
    """Partition count used if this process creates the store; an existing store keeps its own."""
    consumer: str = field(default_factory=default_consumer)
    batch_size: int = 100
    """max_records of one read: bounds what one consumer holds pending."""
    reclaim_idle_ms: int = 30_000
    """An entry pending this long (its consumer died or failed) is claimed and processed again."""
    max_deliveries: int = 5
    """An entry delivered this many times without completing goes to the dead-letter stream."""
    append_tries: int = 8
    """Appends tried per report when other writers keep moving the case, before version_conflict."""
    concurrency: int = 32
    """Cases of one batch decided and appended at once (reports of one case always go in order)."""
    rejection_ttl_s: int = 30 * 24 * 3600
    durability: durability.Durability = field(default_factory=durability.Durability)
    """What an append waits for before its report is answered (LIAISON_DURABILITY; ADR 0024)."""
    """How long a rejection is remembered for resends (see shared/intake/batch_io.py)."""

    @property
    def reclaim_every_s(self) -> float:
        """How often the reclaim loop looks for abandoned entries: half the idle time, 50 ms to 1 s
        (at most 1 s, so this process's own unfinished entries are taken up soon after its own idle time)."""
        return min(max(self.reclaim_idle_ms / 2000, 0.05), 1.0)

    @classmethod
    def from_settings(cls, env: Mapping[str, str], redis_url: str, partitions: int, **own: Any) -> Self:
        """The config with the LIAISON_* variables every intake service reads, plus the service's ``own`` settings.

        Raises SettingsError naming the variable when a value cannot be used.
        """
        try:
            wanted = durability.from_env(env)
        except durability.DurabilityError as exc:
            raise SettingsError(str(exc)) from None
        return cls(
            redis_url=redis_url,
            partitions=partitions,
            consumer=env.get("LIAISON_CONSUMER") or default_consumer(),
            batch_size=positive(env, "LIAISON_BATCH", 100),
            reclaim_idle_ms=positive(env, "LIAISON_RECLAIM_IDLE_MS", 30_000),
            max_deliveries=positive(env, "LIAISON_MAX_DELIVERIES", 5),
            durability=wanted,
            **own,
        )

"""How one hotline process runs: where Redis is, its consumer name, batch size, reclaim and retry limits."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from shared.settings import SettingsError, load

GROUP = "hotline"
"""Consumer group of every hotline process on the intake stream."""

OWN_PENDING_IDLE_MS = 5_000
"""An entry this process read and has not finished for this long is processed again by this process
(its read reply was lost, or its batch failed when Redis went away), without waiting for
``reclaim_idle_ms``. Longer than any batch takes, so a batch in progress is not taken twice."""



def default_consumer() -> str:
    """host-pid: unique per process, so `--workers` or two machines never share a pending list."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class HotlineConfig:
    """Settings of one hotline process (``from_env`` reads them from LIAISON_* variables)."""

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
    cache_cases: int = 10_000
    """Case states kept in memory between batches (checked against the case head before use)."""
    rejection_ttl_s: int = 30 * 24 * 3600
    """How long a rejection is remembered for resends (see batch_io._remember_rejections)."""

    @property
    def reclaim_every_s(self) -> float:
        """How often the reclaim loop looks for abandoned entries: half the idle time, 50 ms to 1 s
        (at most 1 s, so this process's own unfinished entries are taken up soon after OWN_PENDING_IDLE_MS)."""
        return min(max(self.reclaim_idle_ms / 2000, 0.05), 1.0)


def _positive(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def from_env(environ: dict[str, str] | None = None) -> HotlineConfig | None:
    """The config from the environment; None when no Redis can be found (LIAISON_REDIS_URL unset, none embedded).

    Raises SettingsError naming the variable when a value cannot be used.
    """
    env = dict(os.environ if environ is None else environ)
    settings = load(env)
    url = settings.resolved_redis_url()
    if url is None:
        return None
    return HotlineConfig(
        redis_url=url,
        partitions=settings.partitions,
        consumer=env.get("LIAISON_CONSUMER") or default_consumer(),
        batch_size=_positive(env, "LIAISON_BATCH", 100),
        reclaim_idle_ms=_positive(env, "LIAISON_RECLAIM_IDLE_MS", 30_000),
        max_deliveries=_positive(env, "LIAISON_MAX_DELIVERIES", 5),
    )

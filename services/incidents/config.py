"""How one incidents process runs: Redis, consumer name, batch size, reclaim and retry limits, policy, scan interval."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from services.incidents.domain import Policy, PolicyError, default_policy, load_policy
from shared.settings import SettingsError, load

GROUP = "incidents"
"""Consumer group of every incidents process, on its intake stream and on every partition log."""

OWN_PENDING_IDLE_MS = 5_000
"""An entry this process read and has not finished for this long is processed again by this process."""


POLICY_ENV = "LIAISON_INCIDENTS_POLICY"
"""Names a JSON policy file (services/incidents/domain/policy.json is the default and the example)."""


def default_consumer() -> str:
    """host-pid: unique per process, so two processes never share a pending list."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class IncidentsConfig:
    """Settings of one incidents process (``from_env`` reads them from LIAISON_* variables)."""

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
    """How long a rejection is remembered for resends."""
    policy: Policy = field(default_factory=default_policy)
    scan_every_s: float = 1.0
    """How often the deadline watch looks for deadlines that passed."""
    log_block_ms: int = 1_000
    """How long one read of the partition logs (hotline events) waits for new entries."""

    @property
    def reclaim_every_s(self) -> float:
        """How often the reclaim loops look for abandoned entries: half the idle time, 50 ms to 1 s."""
        return min(max(self.reclaim_idle_ms / 2000, 0.05), 1.0)


def _positive(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _seconds(env: dict[str, str], name: str, default: float) -> float:
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


def policy_from(env: dict[str, str]) -> Policy:
    """The policy named by LIAISON_INCIDENTS_POLICY, or the shipped one; SettingsError naming the problem."""
    path = env.get(POLICY_ENV)
    if not path:
        return default_policy()
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise SettingsError(f"{POLICY_ENV}: cannot read {path}: {err.strerror or err}") from None
    try:
        return load_policy(data)
    except PolicyError as err:
        raise SettingsError(f"{POLICY_ENV} ({path}): {err}") from None


def from_env(environ: dict[str, str] | None = None) -> IncidentsConfig | None:
    """The config from the environment; None when no Redis can be found. Raises SettingsError naming the variable."""
    env = dict(os.environ if environ is None else environ)
    settings = load(env)
    policy = policy_from(env)
    url = settings.resolved_redis_url()
    if url is None:
        return None
    return IncidentsConfig(
        redis_url=url,
        partitions=settings.partitions,
        consumer=env.get("LIAISON_CONSUMER") or default_consumer(),
        batch_size=_positive(env, "LIAISON_BATCH", 100),
        reclaim_idle_ms=_positive(env, "LIAISON_RECLAIM_IDLE_MS", 30_000),
        max_deliveries=_positive(env, "LIAISON_MAX_DELIVERIES", 5),
        policy=policy,
        scan_every_s=_seconds(env, "LIAISON_DEADLINE_SCAN_S", 1.0),
    )

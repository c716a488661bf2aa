"""How one hotline process runs: the settings of every intake service (shared/service_config.py) and its case cache."""

from __future__ import annotations

import os
from dataclasses import dataclass

from shared.service_config import IntakeConfig
from shared.settings import load

GROUP = "hotline"
"""Consumer group of every hotline process on the intake stream."""

OWN_PENDING_IDLE_MS = 5_000
"""An entry this process read and has not finished for this long is processed again by this process
(its read reply was lost, or its batch failed when Redis went away), without waiting for
``reclaim_idle_ms``. Longer than any batch takes, so a batch in progress is not taken twice."""


@dataclass(frozen=True)
class HotlineConfig(IntakeConfig):
    """Settings of one hotline process (``from_env`` reads them from LIAISON_* variables)."""

    cache_cases: int = 10_000
    """Case states kept in memory between batches (checked against the case head before use)."""


def from_env(environ: dict[str, str] | None = None) -> HotlineConfig | None:
    """The config from the environment; None when no Redis can be found (LIAISON_REDIS_URL unset, none embedded).

    Raises SettingsError naming the variable when a value cannot be used.
    """
    env = dict(os.environ if environ is None else environ)
    settings = load(env)
    url = settings.resolved_redis_url()
    return None if url is None else HotlineConfig.from_settings(env, url, settings.partitions)

"""How one incidents process runs: the settings of every intake service (shared/service_config.py), its policy
and its deadline scan interval."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.incidents.domain import Policy, PolicyError, default_policy, load_policy
from shared.access.box_keys import SigningKeyMissing, service_key
from shared.service_config import IntakeConfig, seconds
from shared.settings import SettingsError, load

GROUP = "incidents"
"""Consumer group of every incidents process, on its intake stream and on every partition log."""

OWN_PENDING_IDLE_MS = 5_000
"""An entry this process read and has not finished for this long is processed again by this process."""


POLICY_ENV = "LIAISON_INCIDENTS_POLICY"
"""Names a JSON policy file (services/incidents/domain/policy.json is the default and the example)."""


@dataclass(frozen=True)
class IncidentsConfig(IntakeConfig):
    """Settings of one incidents process (``from_env`` reads them from LIAISON_* variables)."""

    policy: Policy = field(default_factory=default_policy)
    scan_every_s: float = 1.0
    """How often the deadline watch looks for deadlines that passed."""
    log_block_ms: int = 1_000
    """How long one read of the partition logs (hotline events) waits for new entries."""
    signing_key: Ed25519PrivateKey | None = None
    """The service's registered key, attesting the reports it sends itself (ADR 0020); required to start
    (LIAISON_SIGNING_KEY, or LIAISON_VAR/keys/incidents.key)."""


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
    scan_every_s = seconds(env, "LIAISON_DEADLINE_SCAN_S", 1.0)
    try:
        key = service_key(env, settings.var_dir, "incidents")
    except SigningKeyMissing as err:
        raise SettingsError(str(err)) from None
    return IncidentsConfig.from_settings(env, url, settings.partitions, policy=policy, scan_every_s=scan_every_s,
                                         signing_key=key)

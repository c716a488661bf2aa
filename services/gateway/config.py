"""How one gateway process runs: where Redis is, where it listens, and its time limits."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.access.box_keys import SigningKeyMissing, service_key
from shared.service_config import positive, seconds
from shared.settings import SettingsError, load


@dataclass(frozen=True)
class GatewayConfig:
    """Settings of one gateway process (``from_env`` reads them from LIAISON_* variables)."""

    redis_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    outcome_timeout_s: float = 10.0
    """How long ``POST /v1/commands`` waits for the report's outcome before answering 504."""
    keepalive_s: float = 15.0
    """Longest silence on a case-updates stream before a keep-alive comment (proxies drop idle ones)."""
    read_block_ms: int = 1000
    """Longest blocking read: also how soon a stream notices a gone client or a shutdown."""
    max_subscribers: int = 200
    """Case-updates streams open at once (each holds one Redis connection); more are answered 503."""
    rate_per_s: float = 50.0
    """Requests a second one token may make on average (LIAISON_HTTP_RATE); past it, 429 with Retry-After."""
    rate_burst: float = 200.0
    """Requests one token may make at once before the rate applies (a board loading, a tool catching up)."""
    signing_key: Ed25519PrivateKey | None = None
    """The gateway's registered key: it attests each report it forwards for the token it checked (ADR 0020);
    without one, reports are answered 503 ``no_signing_key`` (LIAISON_SIGNING_KEY, or LIAISON_VAR/keys/gateway.key)."""

    @property
    def address(self) -> str:
        """``host:port`` as given in LIAISON_HTTP."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def from_env(environ: dict[str, str] | None = None) -> GatewayConfig | None:
    """The config from the environment; None when no Redis can be found (LIAISON_REDIS_URL unset, none embedded).

    Raises SettingsError naming the variable when a value cannot be used.
    """
    env = dict(os.environ if environ is None else environ)
    settings = load(env)
    url = settings.resolved_redis_url()
    if url is None:
        return None
    host, _, port = settings.http.rpartition(":")
    outcome_timeout_s = seconds(env, "LIAISON_HTTP_OUTCOME_TIMEOUT_S", 10.0)
    keepalive_s = seconds(env, "LIAISON_HTTP_KEEPALIVE_S", 15.0)
    rate_per_s = float(positive(env, "LIAISON_HTTP_RATE", 50))
    try:
        key = service_key(env, settings.var_dir, "gateway")
    except SigningKeyMissing as err:
        raise SettingsError(str(err)) from None
    return GatewayConfig(
        redis_url=url, host=host.strip("[]"), port=int(port), outcome_timeout_s=outcome_timeout_s,
        keepalive_s=keepalive_s, rate_per_s=rate_per_s, signing_key=key,
    )

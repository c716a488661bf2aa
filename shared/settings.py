"""Settings from the environment: the external contract's ``LIAISON_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from shared.access import acl

DEFAULT_HTTP = "127.0.0.1:8080"
DEFAULT_PARTITIONS = 16


class SettingsError(ValueError):
    """A LIAISON_* variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Where Redis and the HTTP API are, and how the store is shaped."""

    redis_url: str | None
    """LIAISON_REDIS_URL; None means the embedded Redis under ``var_dir``."""
    http: str
    var_dir: Path
    partitions: int
    redis_user: str = "operator"
    """LIAISON_REDIS_USER: the ACL user this process is, on the embedded Redis (``liaison up`` sets each service's)."""

    @property
    def embedded_socket(self) -> Path:
        """The unix socket of the embedded Redis that ``liaison up`` starts."""
        return self.var_dir / "redis.sock"

    def resolved_redis_url(self) -> str | None:
        """LIAISON_REDIS_URL, else the embedded Redis's socket if it is running, else None."""
        if self.redis_url:
            return self.redis_url
        if self.embedded_socket.exists():
            # As this process's own ACL user when ``liaison up`` made the users (shared/access/acl.py).
            password = acl.password_of(self.var_dir, self.redis_user)
            if password is None:
                return f"unix://{self.embedded_socket}"
            return f"unix://{quote(self.redis_user, safe='')}:{quote(password, safe='')}@{self.embedded_socket}"
        return None


def load(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment, naming the variable and the problem on bad values."""
    env = dict(os.environ if environ is None else environ)
    url = env.get("LIAISON_REDIS_URL") or None
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://", "redis+cluster://",
                                                "rediss+cluster://")):
        scheme = url.partition("://")[0] if "://" in url else url[:12]  # never the rest: it may hold a password
        raise SettingsError(f"LIAISON_REDIS_URL must start with redis://, rediss://, unix:// or, for a Redis Cluster, "
                            f"redis+cluster:// or rediss+cluster://, got {scheme!r}://…")
    http = env.get("LIAISON_HTTP") or DEFAULT_HTTP
    host, _, port = http.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"LIAISON_HTTP must be host:port, got {http!r}")
    raw_partitions = env.get("LIAISON_PARTITIONS") or str(DEFAULT_PARTITIONS)
    if not raw_partitions.isdigit() or not 1 <= int(raw_partitions) <= 1024:
        raise SettingsError(f"LIAISON_PARTITIONS must be a whole number from 1 to 1024, got {raw_partitions!r}")
    var_dir = Path(env.get("LIAISON_VAR") or "var").resolve()
    user = env.get("LIAISON_REDIS_USER") or "operator"
    if user not in acl.USERS:
        raise SettingsError(f"LIAISON_REDIS_USER must be one of {', '.join(acl.USERS)}, got {user!r}")
    return Settings(redis_url=url, http=http, var_dir=var_dir, partitions=int(raw_partitions), redis_user=user)

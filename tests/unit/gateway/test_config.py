"""The gateway's settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.config import from_env
from shared.settings import SettingsError


def test_defaults_listen_on_localhost_8080(tmp_path: Path) -> None:
    """With only LIAISON_REDIS_URL set, the gateway listens on 127.0.0.1:8080 and waits 10 s for an outcome."""
    config = from_env({"LIAISON_REDIS_URL": "redis://127.0.0.1:1", "LIAISON_VAR": str(tmp_path)})
    assert config is not None
    assert (config.host, config.port, config.address) == ("127.0.0.1", 8080, "127.0.0.1:8080")
    assert config.outcome_timeout_s == 10.0


def test_an_ipv6_address_is_read_without_brackets(tmp_path: Path) -> None:
    """LIAISON_HTTP=[::1]:9000 listens on ::1, port 9000."""
    config = from_env({"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_HTTP": "[::1]:9000", "LIAISON_VAR": str(tmp_path)})
    assert config is not None
    assert (config.host, config.port, config.address) == ("::1", 9000, "[::1]:9000")


def test_no_redis_anywhere_is_none(tmp_path: Path) -> None:
    """No LIAISON_REDIS_URL and no embedded Redis socket: None (the process then says what to set)."""
    assert from_env({"LIAISON_VAR": str(tmp_path)}) is None


@pytest.mark.parametrize("value", ["0", "-1", "soon", "7200"])
def test_a_bad_outcome_timeout_is_refused_by_name(tmp_path: Path, value: str) -> None:
    """LIAISON_HTTP_OUTCOME_TIMEOUT_S must be seconds in (0, 3600]."""
    env = {"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_HTTP_OUTCOME_TIMEOUT_S": value, "LIAISON_VAR": str(tmp_path)}
    with pytest.raises(SettingsError, match="LIAISON_HTTP_OUTCOME_TIMEOUT_S"):
        from_env(env)

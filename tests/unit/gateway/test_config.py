"""The gateway's settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.config import from_env
from shared.access.signatures import key_id
from shared.settings import SettingsError
from tests.signing import KEYS, write_box_keys


def test_defaults_listen_on_localhost_8080(tmp_path: Path) -> None:
    """With only LIAISON_REDIS_URL set, the gateway listens on 127.0.0.1:8080 and waits 10 s for an outcome."""
    write_box_keys(tmp_path)
    config = from_env({"LIAISON_REDIS_URL": "redis://127.0.0.1:1", "LIAISON_VAR": str(tmp_path)})
    assert config is not None
    assert (config.host, config.port, config.address) == ("127.0.0.1", 8080, "127.0.0.1:8080")
    assert config.outcome_timeout_s == 10.0


def test_an_ipv6_address_is_read_without_brackets(tmp_path: Path) -> None:
    """LIAISON_HTTP=[::1]:9000 listens on ::1, port 9000."""
    write_box_keys(tmp_path)
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


def test_the_gateway_signs_with_the_box_key_or_the_one_named(tmp_path: Path) -> None:
    """Without LIAISON_SIGNING_KEY the gateway takes LIAISON_VAR/keys/gateway.key; with it, the file it names."""
    write_box_keys(tmp_path)
    config = from_env({"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_VAR": str(tmp_path)})
    assert config is not None
    assert config.signing_key is not None
    assert key_id(config.signing_key.public_key()) == key_id(KEYS["gateway"].public_key())
    other = tmp_path / "elsewhere.key"
    other.write_bytes((tmp_path / "keys" / "gateway.key").read_bytes())
    other.chmod(0o600)
    named = from_env({"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_VAR": str(tmp_path / "empty"),
                      "LIAISON_SIGNING_KEY": str(other)})
    assert named is not None
    assert named.signing_key is not None


def test_a_missing_or_foreign_signing_key_is_refused_by_name(tmp_path: Path) -> None:
    """No key file, or a unit's key given as the gateway's, stops the gateway with a message naming the variable."""
    with pytest.raises(SettingsError, match="LIAISON_SIGNING_KEY: cannot read the gateway's signing key"):
        from_env({"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_VAR": str(tmp_path)})
    write_box_keys(tmp_path)
    unit_key = str(tmp_path / "keys" / "VN-LC-IBGS.key")
    with pytest.raises(SettingsError, match="is not the gateway's key"):
        from_env({"LIAISON_REDIS_URL": "redis://x:1", "LIAISON_VAR": str(tmp_path), "LIAISON_SIGNING_KEY": unit_key})

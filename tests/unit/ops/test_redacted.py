"""A Redis URL shown to a person or a log never carries its password, in either place redis-py reads one."""

from __future__ import annotations

import pytest

from shared.redis_client import redacted
from shared.settings import SettingsError, load


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://hotline:S3cret@10.0.0.5:6379/0", "redis://hotline:***@10.0.0.5:6379/0"),
        ("unix://operator:S3cret@/srv/liaison/var/redis.sock", "unix://operator:***@/srv/liaison/var/redis.sock"),
        ("unix:///srv/var/redis.sock?username=operator&password=S3cret", "unix:///srv/var/redis.sock?username=operator&password=***"),
        ("rediss://gw:S3cret@h:6380/0?ssl_ca_certs=/etc/ca.pem", "rediss://gw:***@h:6380/0?ssl_ca_certs=/etc/ca.pem"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
    ],
)
def test_the_password_is_masked_wherever_it_is_given(url: str, shown: str) -> None:
    """In the user part and as a ``password=`` query parameter; a URL without one is unchanged."""
    assert redacted(url) == shown
    assert "S3cret" not in redacted(url)


def test_a_bad_url_setting_is_refused_without_quoting_it() -> None:
    """A LIAISON_REDIS_URL of a wrong scheme is refused naming the scheme only, never the rest of the URL."""
    with pytest.raises(SettingsError) as refused:
        load({"LIAISON_REDIS_URL": "Redis://operator:S3cret@host:6379/0"})
    assert "S3cret" not in str(refused.value)
    assert "LIAISON_REDIS_URL" in str(refused.value)

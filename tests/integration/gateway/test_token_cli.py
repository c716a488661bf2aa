"""``liaison token issue | list | revoke`` against a real redis-server: printed once, stored only as a hash."""

from __future__ import annotations

import json

import pytest
from redis import Redis

from liaison.cli import main
from shared.redis_server import RedisServer


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    assert isinstance(exited.value.code, int)
    return exited.value.code, out, err


@pytest.fixture
def session_redis(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Redis:
    """The session's redis-server, emptied, which the CLI is pointed at."""
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    client = Redis.from_url(redis_server.url)
    client.flushall()
    return client


def test_issue_prints_the_token_once_and_redis_keeps_only_its_hash(
    session_redis: Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json gives id, token, unit, role and expires; no Redis value holds the token; list never shows it."""
    code, out, _ = _run(["token", "issue", "--unit", "VN-LC-IBGS", "--role", "viewer", "--expires", "12h", "--json"],
                        capsys)
    issued = json.loads(out)
    assert code == 0
    assert set(issued) == {"id", "token", "unit", "role", "expires"}
    assert (issued["unit"], issued["role"]) == ("VN-LC-IBGS", "viewer")
    assert issued["token"].startswith(f"lsn_{issued['id']}_")
    secret = issued["token"].encode()
    stored = [value for key in session_redis.scan_iter() for value in _values(session_redis, key)]
    assert stored, "the token's record is in Redis"
    assert not any(secret in value or secret.split(b"_")[-1] in value for value in stored)
    code, out, _ = _run(["token", "list", "--json"], capsys)
    listed = json.loads(out)
    assert [(t["id"], t["state"]) for t in listed] == [(issued["id"], "active")]
    assert issued["token"] not in out


def test_revoke_marks_the_token_revoked_and_an_unknown_id_is_refused(
    session_redis: Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    """A revoked token lists as revoked; revoking an id never issued exits 1 naming it."""
    _, out, _ = _run(["token", "issue", "--unit", "CN-HK-IBCS", "--role", "officer", "--json"], capsys)
    token_id = json.loads(out)["id"]
    assert _run(["token", "revoke", token_id], capsys)[0] == 0
    _, out, _ = _run(["token", "list", "--json"], capsys)
    assert [t["state"] for t in json.loads(out)] == ["revoked"]
    code, _, err = _run(["token", "revoke", "nosuchtoken0"], capsys)
    assert code == 1
    assert "nosuchtoken0" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--unit", "XX-NOWHERE", "--role", "viewer"], "--unit"),
        (["--unit", "VN-LC-IBGS", "--role", "viewer", "--expires", "soon"], "--expires"),
    ],
)
def test_a_bad_issue_exits_2_naming_the_option(
    session_redis: Redis, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    """An unknown unit or an unreadable duration is refused with exit 2, naming the option; nothing is stored."""
    code, _, err = _run(["token", "issue", *argv], capsys)
    assert code == 2
    assert named in err
    assert session_redis.hlen("liaison:tokens") == 0


def _values(client: Redis, key: bytes) -> list[bytes]:
    kind = client.type(key)
    if kind == b"hash":
        return [v for pair in client.hgetall(key).items() for v in pair]
    if kind == b"string":
        value = client.get(key)
        return [] if value is None else [value]
    return []

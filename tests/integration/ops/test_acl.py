"""Least-privilege Redis: each service's and role's ACL user can do its job and nothing it must not (real Redis 7.0)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import NoPermissionError, RedisError, ResponseError
from redis.exceptions import RedisError as SyncRedisError

from liaison.cli import main
from shared.access import acl
from shared.redis_server import RedisServer

LOG = "liaison:{p0}:log"

ALLOWED = [
    ("hotline", ["XADD", "liaison:outcomes", "*", "a", "1"]),
    ("hotline", ["GET", "liaison:vault:index-key"]),
    ("hotline", ["HSETNX", "liaison:{p3}:claims", "cmd-1", "x"]),
    ("incidents", ["ZADD", "liaison:{p1}:deadlines", "1", "case|IN-1"]),
    ("incidents", ["XADD", "liaison:intake:incidents", "*", "report", "{}"]),
    ("projections", ["XADD", "liaison:{p0}:updates", "*", "case_id", "c"]),
    ("projections", ["XACK", LOG, "projections", "1-1"]),
    ("projections", ["HSET", "liaison:{p0}:views", "c", "{}"]),
    ("projections", ["SET", "liaison:{p0}:lease:projections", "host-1 1", "PX", "5000"]),
    ("projections", ["INCR", "liaison:{p0}:lease-epochs:projections"]),
    ("projections", ["ZADD", "liaison:members:projections", "1", "host-1"]),
    ("projections", ["TIME"]),
    # The fenced park (shared/follow/parking.py) and view write (write_views.lua) name the lease with their keys.
    ("projections", ["EVALSHA", "0" * 40, "3", "liaison:{p0}:parked", "liaison:{p0}:metrics:parked",
                     "liaison:{p0}:lease:projections", "x"]),
    ("projections", ["EVALSHA", "0" * 40, "5", "liaison:{p0}:views", "liaison:{p0}:viewv", "liaison:{p0}:updates",
                     LOG, "liaison:{p0}:lease:projections", "projections"]),
    ("hotline", ["WAIT", "1", "100"]),
    ("hotline", ["HSET", "liaison:{p0}:heads", "c", "1 ff"]),
    ("gateway", ["XADD", "liaison:intake:hotline", "*", "report", "{}"]),
    ("gateway", ["HGET", "liaison:tokens", "abc"]),
    ("gateway", ["XADD", "liaison:{p2}:disclosures", "*", "unit", "VN-LC-IBGS"]),
    ("gateway", ["HSET", "liaison:vault:name-index", "h", "SUBJ-1"]),
    ("auditor", ["XRANGE", LOG, "-", "+"]),
    ("auditor", ["EXISTS", LOG]),  # liaison replay asks how far the projections are
    ("auditor", ["XINFO", "GROUPS", LOG]),
    ("operator", ["FLUSHALL"]),
]
"""(user, command) each may run (checked with ACL DRYRUN, so nothing is changed)."""

REFUSED = [
    ("gateway", ["XADD", LOG, "*", "e", "{}"]),
    ("gateway", ["DEL", "liaison:{p0}:views"]),
    ("gateway", ["FLUSHALL"]),
    ("gateway", ["HSET", "liaison:tokens", "abc", "x"]),
    ("gateway", ["XTRIM", "liaison:{p2}:disclosures", "MAXLEN", "0"]),
    ("projections", ["XADD", LOG, "*", "e", "{}"]),
    ("projections", ["GET", "liaison:vault:key:SUBJ-1"]),
    ("projections", ["DEL", LOG]),
    ("auditor", ["XADD", LOG, "*", "e", "{}"]),
    ("auditor", ["HSET", "liaison:{p0}:views", "c", "{}"]),
    ("auditor", ["SET", "liaison:meta", "x"]),
    ("auditor", ["GET", "liaison:vault:key:SUBJ-1"]),
    ("auditor", ["HGET", "liaison:tokens", "abc"]),
    ("hotline", ["GET", "liaison:vault:key:SUBJ-1"]),
    ("hotline", ["GET", "liaison:vault:data:SUBJ-1"]),
    ("hotline", ["HSET", "liaison:vault:name-index", "h", "x"]),
    ("hotline", ["HGET", "liaison:tokens", "abc"]),
    ("hotline", ["FLUSHALL"]),
    ("incidents", ["CONFIG", "SET", "appendonly", "no"]),
    ("incidents", ["HSET", "liaison:{p0}:views", "c", "{}"]),
    ("hotline", ["HSET", "liaison:{p0}:views", "c", "{}"]),
    ("projections", ["HSET", "liaison:{p0}:heads", "c", "9 ff"]),
    ("projections", ["INCRBY", "liaison:{p0}:n", "1"]),
    ("projections", ["SET", "liaison:{p0}:lease:incidents", "x"]),  # another group's lease
    ("gateway", ["SET", "liaison:{p0}:lease:projections", "x"]),
]
"""(user, command) each must be refused."""


@pytest.fixture
async def locked(tmp_path: Path) -> AsyncIterator[tuple[RedisServer, Redis]]:
    """A private redis-server on a unix socket with the users applied and the default user off; an operator client."""
    server = RedisServer(tmp_path / "redis", unix_socket=tmp_path / "redis.sock").start()
    bootstrap = Redis(unix_socket_path=str(server.unix_socket))
    await acl.apply(bootstrap, tmp_path)
    await bootstrap.aclose()
    operator = Redis(unix_socket_path=str(server.unix_socket), username="operator",
                     password=acl.password_of(tmp_path, "operator"))
    try:
        yield server, operator
    finally:
        await operator.aclose()
        server.stop()


async def _dryrun(operator: Redis, user: str, command: list[str]) -> str:
    reply = await operator.execute_command("ACL", "DRYRUN", user, *command)
    return reply.decode() if isinstance(reply, bytes) else str(reply)


async def test_each_user_may_do_its_job(locked: tuple[RedisServer, Redis]) -> None:
    """Every command a service or role needs is allowed for its user."""
    _, operator = locked
    for user, command in ALLOWED:
        assert await _dryrun(operator, user, command) == "OK", (user, command)


async def test_each_user_is_refused_what_it_must_not_do(locked: tuple[RedisServer, Redis]) -> None:
    """The gateway cannot write a log, delete or flush; projections cannot write the log; the auditor writes nothing;
    only the vault's users touch it, and the intake services only its names index, read-only."""
    _, operator = locked
    for user, command in REFUSED:
        assert await _dryrun(operator, user, command) != "OK", (user, command)


async def test_a_script_runs_only_what_its_caller_may(locked: tuple[RedisServer, Redis], tmp_path: Path) -> None:
    """A script run by the projections' or the auditor's user cannot XADD to a log, though it may be called."""
    server, operator = locked
    await operator.xgroup_create(LOG, "projections", id="0", mkstream=True)
    for user in ("projections", "auditor", "gateway"):
        password = acl.password_of(tmp_path, user)
        client = Redis(unix_socket_path=str(server.unix_socket), username=user, password=password)
        try:
            with pytest.raises((NoPermissionError, ResponseError)):
                await client.eval("return redis.call('XADD', KEYS[1], '*', 'e', 'forged')", 1, LOG)
        finally:
            await client.aclose()
    assert await operator.xlen(LOG) == 0


async def test_the_default_user_is_off_and_passwords_are_private(
    locked: tuple[RedisServer, Redis], tmp_path: Path
) -> None:
    """Without credentials Redis answers NOAUTH; each password file is readable by its owner only."""
    server, _ = locked
    anonymous = Redis(unix_socket_path=str(server.unix_socket))
    try:
        with pytest.raises(RedisError, match=r"(?i)auth"):
            await anonymous.ping()
    finally:
        await anonymous.aclose()
    for user in acl.USERS:
        assert (acl.credentials_dir(tmp_path) / user).stat().st_mode & 0o777 == 0o600, user
    assert acl.credentials_dir(tmp_path).stat().st_mode & 0o777 == 0o700


def test_liaison_acl_apply_locks_down_an_external_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a Redis given by LIAISON_REDIS_URL, `liaison acl apply` creates every user (passwords in 0600 files, never
    printed), turns the default user off and writes the users to the server's aclfile (what a restart loads); the
    hotline's user then works and may not FLUSHALL."""
    aclfile = tmp_path / "users.acl"
    aclfile.write_text("")
    server = RedisServer(tmp_path / "redis", extra=["--aclfile", str(aclfile)]).start()
    try:
        monkeypatch.setenv("LIAISON_REDIS_URL", server.url)
        monkeypatch.setenv("LIAISON_VAR", str(tmp_path / "var"))
        with pytest.raises(SystemExit) as exited:
            main(["acl", "apply", "--json"])
        assert exited.value.code == 0
        said = json.loads(capsys.readouterr().out)
        assert (said["users"], said["default_user"]) == (list(acl.USERS), "off")
        assert (said["not_kept"], said["left_out"]) == ({}, [])
        saved = {line.split()[1]: line.split()[2] for line in aclfile.read_text().splitlines() if line.strip()}
        # What a restart loads: every user on, and the default user off (written by ACL SAVE, no password in it).
        assert saved == {"default": "off"} | dict.fromkeys(acl.USERS, "on")
        passwords = {user: acl.password_of(tmp_path / "var", user) for user in acl.USERS}
        assert all(passwords.values())
        assert not any(password in json.dumps(said) for password in passwords.values() if password)
        anonymous = SyncRedis(port=server.port)
        with pytest.raises(SyncRedisError, match=r"(?i)auth"):
            anonymous.ping()
        anonymous.close()
        hotline = SyncRedis(port=server.port, username="hotline", password=passwords["hotline"])
        assert hotline.xadd("liaison:outcomes", {"a": "1"})
        with pytest.raises(SyncRedisError):
            hotline.flushall()
        hotline.close()
    finally:
        server.stop()

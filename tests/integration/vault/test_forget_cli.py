"""``liaison forget SUBJECT`` against a real Redis: exit codes, output, and nothing of the person left."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from liaison.cli import main
from shared.redis_server import RedisServer
from shared.vault.store import Vault, new_subject_id
from tests.integration.vault.redis_values import holds

NAME = "Hoàng Thị Mỷ"


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


async def _put(url: str, subject: str) -> None:
    client = Redis.from_url(url)
    await client.flushall()
    await Vault(client).put(subject, {"name": NAME, "phone": "+84 912 345 678"})
    await client.aclose()


async def _left(url: str, subject: str) -> tuple[object, list[bytes]]:
    client = Redis.from_url(url)
    try:
        return await Vault(client).get(subject), await holds(client, NAME.encode()) + await holds(client, b"912 345")
    finally:
        await client.aclose()


def test_forget_exits_0_then_1_and_leaves_nothing(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """forget shreds the person (exit 0, JSON says so); a second forget finds nothing (exit 1); Redis holds no trace."""
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    subject = new_subject_id()
    asyncio.run(_put(redis_server.url, subject))
    assert _run(["forget", subject, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"subject_id": subject, "forgotten": True, "disk": "append-only file rewritten"}
    assert asyncio.run(_left(redis_server.url, subject)) == (None, [])
    assert _run(["forget", subject]) == 1
    assert "no personal data" in capsys.readouterr().out


def test_forget_refuses_a_malformed_subject_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name given instead of a subject id is a usage error (exit 2) naming the expected form."""
    monkeypatch.setenv("LIAISON_REDIS_URL", "redis://127.0.0.1:1")
    assert _run(["forget", "Hoang Thi My"]) == 2
    assert "SUBJ-" in capsys.readouterr().err

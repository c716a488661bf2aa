"""Registering persons in the vault: ``POST /v1/persons`` and ``liaison person add/show``, on a real Redis."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from redis.asyncio import Redis

from liaison.cli import main
from shared.redis_server import RedisServer
from shared.store import keys
from shared.vault.store import Vault, check_subject_id
from tests.integration.gateway.conftest import gateway_client, gateway_config
from tests.integration.vault.redis_values import holds

PERSON = {"name": "Lò Thị Sếnh", "other_names": ["罗氏森"], "born": "2004", "sex": "female", "nationality": "VN",
          "phone": "+84 987 654 321", "documents": [{"kind": "identity_card", "number": "010204009876"}]}


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    code = exited.value.code
    assert isinstance(code, int)
    return code


async def test_post_persons_seals_the_data_and_answers_201_with_the_subject_id(redis: Redis,
                                                                                redis_server: RedisServer) -> None:
    """201 with a fresh subject id; the vault decrypts the data; no Redis value holds the name or phone in clear."""
    async with gateway_client(gateway_config(redis_server.url)) as client:
        response = await client.post("/v1/persons", json=PERSON)
        assert response.status == 201, await response.text()
        subject_id = check_subject_id((await response.json())["subject_id"])
        again = await client.post("/v1/persons", json=PERSON)
        second = (await again.json())["subject_id"]
    assert second != subject_id  # every registration is a new pseudonym
    assert await Vault(redis).get(subject_id) == PERSON
    for secret in ("Lò Thị Sếnh", "罗氏森", "987 654", "010204009876"):
        assert await holds(redis, secret.encode()) == []
    assert await Vault(redis).mentions("Đã gặp chị Lò Thị Sếnh tại cửa khẩu.") == sorted([subject_id, second])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 7}, "$.name"),
        ({"name": "A B", "born": "04/2004"}, "$.born"),
        ({"name": "A B", "full_name": "A B"}, "full_name"),
        ({"name": "A B", "documents": [{"kind": "passport"}]}, "number"),
        ({"born": "2004"}, "name"),
        ({"name": "Lò Thị Sếnh", "other_names": ["Sếnh"]}, "$.other_names[0]"),
        ({"name": "Lò Thị Sếnh", "born": "2004-02-30"}, "$.born"),
    ],
)
async def test_post_persons_refuses_invalid_data_with_422_naming_the_field(
    redis: Redis, redis_server: RedisServer, body: dict[str, object], field: str
) -> None:
    """Invalid personal data: 422, code invalid_person, a message naming the field; nothing stored."""
    async with gateway_client(gateway_config(redis_server.url)) as client:
        response = await client.post("/v1/persons", json=body)
        assert response.status == 422
        reason = (await response.json())["reason"]
    assert reason["code"] == "invalid_person"
    assert field in reason["message"]
    assert [k async for k in redis.scan_iter(keys.vault_data("*"))] == []


async def test_post_persons_refuses_a_body_that_is_not_json(redis: Redis, redis_server: RedisServer) -> None:
    """A body that is not a JSON object is a 422 saying so, not a 500."""
    async with gateway_client(gateway_config(redis_server.url)) as client:
        response = await client.post("/v1/persons", data=b"name=Lo Thi Senh")
        assert response.status == 422
        assert "not a JSON object" in (await response.json())["reason"]["message"]


async def test_post_persons_refuses_bytes_that_are_not_utf8(redis: Redis, redis_server: RedisServer) -> None:
    """A body with a byte that is not UTF-8 is a 422 naming the byte and its offset, not a 500."""
    async with gateway_client(gateway_config(redis_server.url)) as client:
        response = await client.post("/v1/persons", data=b'{"name": "L\xf2 Thi Senh"}')
        assert response.status == 422
        assert "not valid UTF-8: byte 0xf2 at offset 11" in (await response.json())["reason"]["message"]


async def _emptied(redis_server: RedisServer) -> None:
    """Empty the session's server: these CLI tests take no ``redis`` fixture, and what an earlier test left is not
    theirs (a names index whose key an earlier test deleted refuses every registration)."""
    client = Redis.from_url(redis_server.url)
    try:
        await client.flushall()
    finally:
        await client.aclose()


def test_person_add_show_forget_show(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """add prints a subject id; show decrypts the data (exit 0); after forget, show says forgotten (exit 1)."""
    asyncio.run(_emptied(redis_server))
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    source = tmp_path / "person.json"
    source.write_text(json.dumps(PERSON, ensure_ascii=False), encoding="utf-8")
    assert _run(["person", "add", str(source)]) == 0
    subject_id = check_subject_id(capsys.readouterr().out.strip())
    assert _run(["person", "show", subject_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"subject_id": subject_id, "state": "held", "personal": PERSON}
    assert _run(["person", "show", subject_id]) == 0
    assert "Lò Thị Sếnh" in capsys.readouterr().out
    assert _run(["forget", subject_id]) == 0
    capsys.readouterr()
    assert _run(["person", "show", subject_id]) == 1
    shown = capsys.readouterr().out
    assert "forgotten" in shown
    assert "Sếnh" not in shown
    assert _run(["person", "show", subject_id, "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"subject_id": subject_id, "state": "forgotten"}


def test_person_show_of_an_id_never_issued_says_unknown(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed id the vault never held is unknown (exit 1), not forgotten."""
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    assert _run(["person", "show", "SUBJ-AAAAAAAAAAAA"]) == 1
    assert "unknown" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"name": "Lo Thi Senh", "phone": 84987654321}', "$.phone"),
        (b'{"name": "\xff"}', "not valid UTF-8"),
        (b'{"name": "Lo Thi Senh", "other_names": ["Senh"]}', "$.other_names[0]"),
        (b'{"name": "Lo Thi Senh", "born": "1998-13-45"}', "$.born"),
    ],
)
def test_person_add_refuses_invalid_data_naming_the_field(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], body: bytes,
    named: str
) -> None:
    """Invalid data from stdin: exit 1, one line naming the field, no traceback, nothing stored."""

    asyncio.run(_emptied(redis_server))
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert _run(["person", "add", "-"]) == 1
    err = capsys.readouterr().err
    assert named in err
    assert "Traceback" not in err

    async def stored() -> list[bytes]:
        client = Redis.from_url(redis_server.url)
        try:
            return [k async for k in client.scan_iter(keys.vault_data("*"))]
        finally:
            await client.aclose()

    assert asyncio.run(stored()) == []



def test_person_add_while_the_index_key_is_lost_says_why_in_one_line(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The index key lost apart from the names index: add exits 1 with one line saying to restore the key, no
    traceback, and stores nothing for the new person."""
    asyncio.run(_emptied(redis_server))
    monkeypatch.setenv("LIAISON_REDIS_URL", redis_server.url)
    source = tmp_path / "person.json"
    source.write_text(json.dumps(PERSON, ensure_ascii=False), encoding="utf-8")
    assert _run(["person", "add", str(source)]) == 0
    capsys.readouterr()

    async def lose_the_key() -> None:
        client = Redis.from_url(redis_server.url)
        try:
            await client.delete(keys.VAULT_INDEX_KEY)
        finally:
            await client.aclose()

    async def persons_stored() -> int:
        client = Redis.from_url(redis_server.url)
        try:
            return len([k async for k in client.scan_iter(keys.vault_data("*"))])
        finally:
            await client.aclose()

    asyncio.run(lose_the_key())
    try:
        assert _run(["person", "add", str(source)]) == 1
        err = capsys.readouterr().err
        assert "restore the key from the backup that holds the index" in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert asyncio.run(persons_stored()) == 1  # the first person only
    finally:
        asyncio.run(_emptied(redis_server))

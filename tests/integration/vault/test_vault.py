"""The personal-data vault on a real Redis: encryption at rest, name checks, and forgetting for good."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from shared.store.audit import verify
from shared.vault.store import Vault, VaultError, new_subject_id
from tests.integration.vault.redis_values import every_value, holds
from tests.unit.incidents import handover_reports as h
from tests.unit.incidents.reports import Case

NAME = "Nguyễn Thị Hoa"
CHINESE_NAME = "王小红"
PERSONAL = {
    "name": NAME,
    "aliases": [CHINESE_NAME],
    "born": "2009-03-14",
    "home": "Bản Vược, Bát Xát",
    "document": "C1234567",
}
SECRETS = [s.encode() for s in (NAME, CHINESE_NAME, "Bản Vược", "C1234567", "Nguyen Thi Hoa")]


def _handover_events(subject_id: str) -> Case:
    """A victim handover of the subject through every gate, decided by the incidents domain."""
    case = Case()
    case.do(h.propose(persons=[h.person(subject_id)]))
    case.do(h.verify(subject_id))
    case.do(h.assess())
    case.do(h.consent(subject_id))
    case.do(h.accept())
    case.do(h.schedule())
    case.do(h.execute(persons=[subject_id]))
    case.do(h.complete())
    return case


async def test_put_then_get_gives_the_data_back(redis: Redis) -> None:
    """A person's data read back is exactly what was stored, Vietnamese and Chinese text included."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    assert await vault.get(subject) == PERSONAL
    assert await vault.get(new_subject_id()) is None


async def test_no_redis_value_holds_the_data_in_clear(redis: Redis) -> None:
    """Every key name, DUMP and value in Redis is free of the name, the alias, the village and the document number."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    values = await every_value(redis)
    assert any(keys.vault_data(subject).encode() == v for v in values)  # the scan does see the vault
    for secret in SECRETS:
        assert not [v for v in values if secret in v], secret


async def test_each_person_has_their_own_key_and_ciphertexts_do_not_move(redis: Redis) -> None:
    """Two persons get different keys; a ciphertext copied to another subject does not decrypt."""
    vault, first, second = Vault(redis), new_subject_id(), new_subject_id()
    await vault.put(first, PERSONAL)
    await vault.put(second, {"name": "Trần Văn Nam"})
    assert await redis.get(keys.vault_key(first)) != await redis.get(keys.vault_key(second))
    await redis.set(keys.vault_data(second), await redis.get(keys.vault_data(first)))  # type: ignore[arg-type]
    with pytest.raises(VaultError, match="does not decrypt"):
        await vault.get(second)


async def test_names_in_free_text_are_found_in_any_case_or_script(redis: Redis) -> None:
    """A summary naming the person, without diacritics or inside a Chinese sentence, is found; others are not."""
    vault, subject, other = Vault(redis), new_subject_id(), new_subject_id()
    await vault.put(subject, PERSONAL)
    await vault.put(other, {"name": "Lò Văn Sơn"})
    assert await vault.mentions("Nạn nhân NGUYEN THI HOA đã được giải cứu") == [subject]
    assert await vault.mentions("受害人王小红已获救，身体状况良好。") == [subject]
    assert await vault.mentions("Nạn nhân nữ, 16 tuổi, đã được giải cứu gần mốc 102") == []
    assert await vault.mentions("Hoa và Nguyễn Thị đều là họ tên phổ biến") == []
    [both] = await vault.named_in([{"summary": {"original": "vi", "vi": "Lò Văn Sơn và Nguyễn Thị Hoa"}}])
    assert both == sorted([subject, other])


async def test_forget_shreds_the_key_and_leaves_the_name_nowhere(redis: Redis) -> None:
    """After forget, get is None, mentions find nothing, no Redis value holds the data, and the id is not reused."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    assert await vault.forget(subject) is True
    assert await vault.get(subject) is None
    assert await vault.mentions(f"{NAME} {CHINESE_NAME}") == []
    assert await redis.exists(keys.vault_key(subject), keys.vault_data(subject)) == 0
    for secret in SECRETS:
        assert await holds(redis, secret) == [], secret
    assert await vault.forget(subject) is False
    with pytest.raises(VaultError, match="forgotten"):
        await vault.put(subject, PERSONAL)


async def test_deleting_the_key_alone_shreds_the_data(redis: Redis) -> None:
    """With only the person's key deleted, the ciphertext left behind can no longer be read."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    await redis.delete(keys.vault_key(subject))
    assert await redis.exists(keys.vault_data(subject)) == 1
    assert await vault.get(subject) is None


async def test_every_chain_still_verifies_after_forget(store: EventStore, redis: Redis) -> None:
    """A store holding a whole victim handover of the subject audits clean before and after forget."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    case = _handover_events(subject)
    await store.append(case.case_id, case.events, 0)
    log = b"".join(v for v in await every_value(redis) if b"HandoverExecuted" in v)
    assert subject.encode() in log  # the log refers to the person by pseudonym only
    before = await verify(store)
    assert before.ok, before.breaches
    await vault.forget(subject)
    after = await verify(store)
    assert after.ok, after.breaches
    assert (after.events, after.digest) == (before.events, before.digest)
    for secret in SECRETS:
        assert await holds(redis, secret) == [], secret


async def test_forget_rewrites_the_append_only_file_without_the_key(redis: Redis, redis_server: RedisServer) -> None:
    """After forget and purge_disk, the person's key bytes are in no file of Redis's data directory."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, PERSONAL)
    key = await redis.get(keys.vault_key(subject))
    assert key is not None
    await vault.forget(subject)
    note = await vault.purge_disk(timeout_s=20)
    assert note == "append-only file rewritten"
    holding = await asyncio.to_thread(_files_holding, Path(redis_server.data_dir), key)
    assert holding == [], "the rewritten append-only file still holds the key"


def _files_holding(directory: Path, secret: bytes) -> list[str]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".aof") for p in files), "the data directory holds the append-only file"
    return [p.name for p in files if secret in p.read_bytes()]

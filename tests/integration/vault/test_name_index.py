"""The names index on a real Redis: a batch in one round trip, shared names, forget, and what a checker caches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import keys
from shared.vault.names import digests, names_of
from shared.vault.store import Vault, VaultError, new_subject_id
from tests.integration.vault.redis_values import names_lookups

HOA = {"name": "Nguyễn Thị Hoa", "other_names": ["阮氏花"]}


@pytest.fixture
async def checker(redis_server: RedisServer) -> AsyncIterator[Vault]:
    """A long-lived checker on its own client, as in another process (it caches what it learns of the index)."""
    client = Redis.from_url(redis_server.url)
    try:
        yield Vault(client)
    finally:
        await client.aclose()


async def test_a_batch_of_reports_is_checked_in_one_round_trip(redis: Redis) -> None:
    """Each report gets the subjects its own texts name, all from one HMGET once the index key is cached."""
    vault, hoa, son = Vault(redis), new_subject_id(), new_subject_id()
    await vault.put(hoa, HOA)
    await vault.put(son, {"name": "Lò Văn Sơn"})
    reports = [
        {"summary": {"original": "vi", "vi": "Gặp chị NGUYEN THI HOA", "zh": "见到阮氏花"}},
        {"summary": {"original": "vi", "vi": "Không có gì mới", "zh": "无新情况"}},
        {"subject": {"original": "zh", "zh": "关于"}, "body": {"original": "vi", "vi": "Lò Văn Sơn và Nguyễn Thị Hoa"}},
    ]
    assert await vault.mentions("warm-up: reads the index key") == []
    before = await names_lookups(redis)
    assert await vault.named_in(reports) == [[hoa], [], sorted([hoa, son])]
    assert await names_lookups(redis) - before == 1


async def test_two_persons_of_one_name_are_both_found_and_forgetting_one_keeps_the_other(redis: Redis) -> None:
    """A common name borne by two subjects names both; after one is forgotten it names the other only."""
    vault, first, second = Vault(redis), new_subject_id(), new_subject_id()
    await vault.put(first, HOA)
    await vault.put(second, {"name": "Nguyễn Thị Hoa"})
    assert await vault.mentions("chị Nguyễn Thị Hoa") == sorted([first, second])
    await vault.forget(first)
    assert await vault.mentions("chị Nguyễn Thị Hoa") == [second]
    assert await vault.mentions("阮氏花") == []


async def test_forget_leaves_no_hash_of_the_persons_names_in_the_index(redis: Redis) -> None:
    """After forget, none of the person's keyed hashes nor their subject id is a field or value of the index."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, HOA)
    await vault.put(new_subject_id(), {"name": "Lò Văn Sơn"})
    theirs = digests(await vault.index_key(), names_of(HOA))
    index: Any = await redis.hgetall(keys.VAULT_NAME_INDEX)
    assert {h.encode() for h in theirs} <= set(index)
    await vault.forget(subject)
    index = await redis.hgetall(keys.VAULT_NAME_INDEX)
    held = b" ".join([*index, *index.values()])
    assert not [h for h in theirs if h.encode() in held]
    assert subject.encode() not in held


async def test_replacing_a_persons_data_drops_their_old_names(redis: Redis) -> None:
    """Put again with a corrected name: the old name no longer names them, the new one does."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, {"name": "Nguyễn Thị Hoa"})
    await vault.put(subject, {"name": "Nguyễn Thị Hoà Bình"})
    assert await vault.mentions("chị Nguyễn Thị Hoa đã về") == []
    assert await vault.mentions("chị Nguyễn Thị Hoà Bình đã về") == [subject]


async def test_a_checker_notices_a_longer_name_and_a_new_index_key(redis: Redis, checker: Vault) -> None:
    """A long-lived checker (its own client, as in another process) finds a name longer than any it has seen, and
    still finds names after Redis was emptied and the index made again under a new key (its cached key is stale)."""
    registrar = Vault(redis)
    await registrar.put(new_subject_id(), {"name": "Lò Văn Sơn"})
    assert await checker.mentions("không có ai") == []  # caches the key and the longest name (3 tokens)
    long_name = new_subject_id()
    await registrar.put(long_name, {"name": "Hoàng Thị Kim Ngọc Lan Anh"})
    assert await checker.mentions("gặp Hoàng Thị Kim Ngọc Lan Anh hôm qua") == [long_name]
    stale = await checker.index_key()
    await redis.flushall()
    again = new_subject_id()
    await registrar.put(again, {"name": "Lò Văn Sơn"})
    assert await checker.mentions("Lò Văn Sơn") == [again]
    assert await checker.index_key() != stale


async def test_a_latin_name_written_against_chinese_text_is_found(redis: Redis) -> None:
    """A Vietnamese name with no space before or after the Chinese around it names its bearer."""
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, {"name": "Sùng Thị Chở"})
    assert await vault.mentions("越南公民Sùng Thị Chở在104(2)号界碑附近越境") == [subject]
    assert await vault.mentions("越南公民SÙNG THỊ CHỞ在界碑附近") == [subject]


async def test_a_long_transliterated_name_is_indexed_and_found(redis: Redis) -> None:
    """An 11-character Chinese name is found in a sentence by a checker that had seen only 3-token names."""
    vault, short, long_name = Vault(redis), new_subject_id(), new_subject_id()
    await vault.put(short, {"name": "Lò Văn Sơn"})
    assert await vault.mentions("không có ai") == []  # caches the longest name: 3 tokens
    await vault.put(long_name, {"name": "玛丽亚·特蕾莎·德尔加多罗"})
    assert await vault.mentions("据报玛丽亚特蕾莎德尔加多罗已越境") == [long_name]


async def test_one_word_names_are_refused_and_ordinary_words_name_no_one(redis: Redis) -> None:
    """Put refuses a one-word alias, storing nothing; with the full names indexed, ``ngày mai``, ``an ninh``
    and ``Lạng Sơn`` name no one."""
    vault, subject = Vault(redis), new_subject_id()
    with pytest.raises(VaultError, match=r"aliases\[0\]: a name must have at least two words"):
        await vault.put(subject, {"name": "Nguyễn Thị Mai", "aliases": ["Mai"]})
    assert await vault.get(subject) is None
    await vault.put(subject, {"name": "Nguyễn Thị Mai", "aliases": ["Lò An", "Vi Văn Sơn"]})
    assert await vault.mentions("Hẹn gặp lại ngày mai", "bảo đảm an ninh biên giới", "Lạng Sơn") == []
    assert await vault.mentions("anh Vi Văn Sơn ở Lạng Sơn") == [subject]


async def test_a_checker_finds_a_name_indexed_since_no_longer_than_it_hashes(redis: Redis, checker: Vault) -> None:
    """A long-lived checker finds a name another process indexed after its last check, as long as the names it knew
    and beginning with another word, and stops finding it once the person is forgotten."""
    registrar = Vault(redis)
    await registrar.put(new_subject_id(), {"name": "Lò Văn Sơn"})
    assert await checker.mentions("Vàng A Dình đi chợ") == []  # caches the key and the longest name (3 tokens)
    newcomer = new_subject_id()
    await registrar.put(newcomer, {"name": "Vàng A Dình"})
    assert await checker.mentions("Vàng A Dình đi chợ") == [newcomer]
    await registrar.forget(newcomer)
    assert await checker.mentions("Vàng A Dình đi chợ") == []


async def test_a_checker_that_saw_an_empty_index_finds_the_first_name_indexed(redis: Redis, checker: Vault) -> None:
    """With no name indexed a checker hashes nothing; the first person indexed after that is found at once."""
    registrar = Vault(redis)
    assert await checker.mentions("Giàng Thị Lan đã về") == []  # learns that no name is indexed
    subject = new_subject_id()
    await registrar.put(subject, {"name": "Giàng Thị Lan"})
    assert await checker.mentions("Giàng Thị Lan đã về") == [subject]


async def test_a_lost_index_key_refuses_new_persons_and_every_check_rather_than_hide_old_names(
    redis: Redis, checker: Vault
) -> None:
    """The index key is lost while the names index survives (another shard failed over; a restore of one of the
    two): registering a person is refused with nothing stored, rather than re-keying the index so that the names
    already in it could never be found; a checker reading the new key refuses to answer (its reports stay
    pending) rather than say that a text naming a registered person names no one."""
    registrar, hoa = Vault(redis), new_subject_id()
    await registrar.put(hoa, {"name": "Nguyễn Thị Hoa"})
    await redis.delete(keys.VAULT_INDEX_KEY)
    son = new_subject_id()
    try:
        with pytest.raises(VaultError, match="another index key"):
            await registrar.put(son, {"name": "Lò Văn Sơn"})
        assert await registrar.get(son) is None
        with pytest.raises(VaultError, match="no text can be checked for names: the names index holds names hashed"):
            await checker.mentions("gặp chị Nguyễn Thị Hoa hôm qua")
    finally:
        await redis.flushall()  # the session's server: tests without the redis fixture must not inherit this


async def test_forgetting_the_last_person_drops_the_index_so_a_lost_key_refuses_nothing(
    redis: Redis, checker: Vault
) -> None:
    """With every person forgotten the index is gone (its key id alone would still claim names hashed under the
    key): a key lost after that refuses neither a check nor a registration; one person left keeps it."""
    registrar, hoa, son = Vault(redis), new_subject_id(), new_subject_id()
    await registrar.put(hoa, {"name": "Nguyễn Thị Hoa"})
    await registrar.put(son, {"name": "Lò Văn Sơn"})
    await registrar.forget(hoa)
    assert await redis.exists(keys.VAULT_NAME_INDEX)
    await registrar.forget(son)
    assert not await redis.exists(keys.VAULT_NAME_INDEX)
    await redis.delete(keys.VAULT_INDEX_KEY)
    assert await checker.mentions("gặp chị Nguyễn Thị Hoa hôm qua") == []
    mai = new_subject_id()
    await registrar.put(mai, {"name": "Giàng Thị Mai"})
    assert await checker.mentions("Giàng Thị Mai đã về") == [mai]

"""The hotline refuses a report whose free text names a vault subject (ADR 0016), on a real Redis."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.hotline.config import HotlineConfig
from services.hotline.domain.reasons import NAMES_VAULT_SUBJECT
from services.hotline.processor import Processor
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from shared.vault.store import Vault, new_subject_id
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import INTAKE, outcome_of, send
from tests.integration.vault.redis_values import names_lookups
from tests.signing import register_test_keys, signed_fields
from tests.unit.hotline.reports import log_call, send_letter

VICTIM = {"name": "Vàng Thị Dua", "other_names": ["王氏蒂", "Dua Vang"]}
NAMING = {
    "vi": {"original": "vi", "vi": "Đã tiếp nhận chị VÀNG THỊ DUA tại cửa khẩu Kim Thành", "zh": "已在金城口岸接收"},
    "zh": {"original": "zh", "vi": "Đã tiếp nhận tại cửa khẩu", "zh": "已在河口口岸接收王氏蒂，身体状况良好。"},
    "en": {"original": "vi", "vi": "Đã tiếp nhận tại cửa khẩu", "zh": "已接收", "en": "Received Dua Vang at the gate"},
}


async def _processor(redis: Redis, redis_server: RedisServer) -> Processor:
    await register_test_keys(redis)
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    config = HotlineConfig(redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t")
    return Processor(redis, EventStore(redis, TEST_PARTITIONS), config)


async def _process_batch(redis: Redis, processor: Processor, reports: list[dict[str, Any]]) -> list[bytes]:
    entries = [(await send(redis, report), signed_fields(report)) for report in reports]
    await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=100)
    await processor.process(entries)
    return [entry_id for entry_id, _ in entries]


async def test_a_call_naming_a_subject_is_refused_and_leaves_no_trace(
    redis: Redis, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summaries naming her in Vietnamese, Chinese or English are refused (saying no subject id), their entries
    deleted, nothing appended; the other reports of the same batch are recorded, and the whole batch is checked
    with one lookup, sent in the batch lookup's own round trip."""
    processor = await _processor(redis, redis_server)
    subject = new_subject_id()
    await Vault(redis).put(subject, VICTIM)
    await _process_batch(redis, processor, [log_call("warm-up", case_id="HL-WARM")])  # reads the index key once
    named = [log_call(f"named-{lang}", case_id=f"HL-N-{lang}", summary=text) for lang, text in NAMING.items()]
    plain = [log_call("plain-call", case_id="HL-PLAIN"), send_letter("plain-letter", case_id="HL-LETTER")]
    own_lookups: list[int] = []
    real_named_in_each = Vault.named_in_each

    async def counted(vault: Vault, groups: Any) -> list[list[str]]:
        own_lookups.append(len(groups))
        return await real_named_in_each(vault, groups)

    monkeypatch.setattr(Vault, "named_in_each", counted)
    before = await names_lookups(redis)
    entry_ids = await _process_batch(redis, processor, [named[0], plain[0], named[1], plain[1], named[2]])
    assert own_lookups == []  # no round trip of its own: the names lookup went in the batch lookup
    assert await names_lookups(redis) - before == 1  # one HMGET of the names index for the whole batch
    for report in named:
        outcome = await outcome_of(redis, report["command_id"])
        assert outcome.status == "rejected"
        assert outcome.reason is not None
        assert outcome.reason.code == NAMES_VAULT_SUBJECT
        assert "SUBJ-" not in outcome.reason.message  # no subject id: a sender could probe names for them
        assert "vault" in outcome.reason.message
        assert await processor.store.read_case(report["case_id"]) == []
    for report in plain:
        assert (await outcome_of(redis, report["command_id"])).status == "accepted"
    intake: Any = await redis.xrange(INTAKE)
    left = [entry_id for entry_id, _ in intake]
    assert set(entry_ids) - set(left) == {entry_ids[0], entry_ids[2], entry_ids[4]}
    assert not [v for _, fields in intake for v in fields.values() if b"DUA" in v]


async def test_a_resend_of_a_refused_call_is_refused_and_its_entry_deleted(
    redis: Redis, redis_server: RedisServer
) -> None:
    """The same command sent again is answered from the remembered rejection, and that entry goes too."""
    processor = await _processor(redis, redis_server)
    await Vault(redis).put(new_subject_id(), VICTIM)
    report = log_call("named-twice", case_id="HL-TWICE", summary=NAMING["zh"])
    await _process_batch(redis, processor, [report])
    await _process_batch(redis, processor, [report])
    written: Any = await redis.xrange(keys.OUTCOMES)
    outcomes = [fields[b"outcome"] for _, fields in written]
    assert len(outcomes) == 2
    assert all(NAMES_VAULT_SUBJECT.encode() in o for o in outcomes)
    assert await redis.xlen(INTAKE) == 0


async def test_after_forget_the_same_summary_is_accepted(redis: Redis, redis_server: RedisServer) -> None:
    """Once the person is forgotten her name refers to no vault subject, so the summary may be recorded."""
    processor = await _processor(redis, redis_server)
    vault, subject = Vault(redis), new_subject_id()
    await vault.put(subject, VICTIM)
    await _process_batch(redis, processor, [log_call("before-forget", case_id="HL-F1", summary=NAMING["vi"])])
    refused = await outcome_of(redis, "before-forget")
    assert refused.reason is not None
    assert refused.reason.code == NAMES_VAULT_SUBJECT
    await vault.forget(subject)
    await _process_batch(redis, processor, [log_call("after-forget", case_id="HL-F2", summary=NAMING["vi"])])
    assert (await outcome_of(redis, "after-forget")).status == "accepted"
    assert len(await processor.store.read_case("HL-F2")) == 1


async def test_a_name_indexed_after_the_index_was_lost_and_rebuilt_is_still_refused(
    redis: Redis, redis_server: RedisServer
) -> None:
    """The names index is lost (a shard's failover, a restore) while its key survives, and rebuilt by later puts:
    a running hotline, which cached what it knew of the index, still refuses a report naming a person indexed since,
    and her name is nowhere in the log."""
    processor = await _processor(redis, redis_server)
    await Vault(redis).put(new_subject_id(), {"name": "Lò Văn Sơn"})
    await _process_batch(redis, processor, [log_call("warm-up", case_id="HL-WARM")])  # caches the key, longest
    await redis.delete(keys.VAULT_NAME_INDEX)
    await Vault(redis).put(new_subject_id(), {"name": "Vàng A Dình"})
    summary = {"original": "vi", "vi": "Đã tiếp nhận chị Vàng A Dình tại cửa khẩu"}
    await _process_batch(redis, processor, [log_call("naming", case_id="HL-NAMING", summary=summary)])
    outcome = await outcome_of(redis, "naming")
    assert outcome.reason is not None
    assert (outcome.status, outcome.reason.code) == ("rejected", NAMES_VAULT_SUBJECT)
    logs = [keys.PartitionKeys(p).log for p in range(TEST_PARTITIONS)]
    held = [fields for log in logs for _, fields in await redis.xrange(log)]
    assert held  # the warm-up call was recorded: the search below looked at a log
    assert not [f for f in held if "Vàng A Dình".encode() in f[b"e"]]


async def test_a_names_index_that_cannot_be_read_leaves_the_batch_pending_and_decides_nothing(
    redis: Redis, redis_server: RedisServer
) -> None:
    """The names lookup, sent inside the batch lookup, gets an error reply (the index key holds the wrong type):
    nothing is decided, recorded or answered and the entries stay pending; once the index reads again, the same
    entries are decided."""
    processor = await _processor(redis, redis_server)
    await redis.set(keys.VAULT_NAME_INDEX, "not a hash")
    report = log_call("while-unreadable", case_id="HL-UNREAD")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await _process_batch(redis, processor, [report])
    assert await redis.xrange(keys.OUTCOMES) == []
    assert await processor.store.read_case("HL-UNREAD") == []
    pending: Any = await redis.xpending(INTAKE, "hotline")
    assert pending["pending"] == 1
    await redis.delete(keys.VAULT_NAME_INDEX)
    entries: Any = await redis.xrange(INTAKE)
    await processor.process([(entry_id, fields) for entry_id, fields in entries])
    assert (await outcome_of(redis, "while-unreadable")).status == "accepted"


async def test_a_names_index_whose_key_was_lost_leaves_reports_pending_never_accepted(
    redis: Redis, redis_server: RedisServer
) -> None:
    """The index key is lost while the names index survives: a hotline that reads the new key cannot check any
    text, so it decides nothing and answers nothing, not even a malformed entry (its dead letter could not be
    checked for names); the report naming a registered person stays pending (no outcome, nothing in the log)
    until the key is restored, and is then refused."""
    await Vault(redis).put(new_subject_id(), VICTIM)
    key: Any = await redis.get(keys.VAULT_INDEX_KEY)
    await redis.delete(keys.VAULT_INDEX_KEY)
    hotline_client = Redis.from_url(redis_server.url)  # its own client: nothing of the old key cached
    try:
        processor = await _processor(hotline_client, redis_server)
        report = log_call("while-keyless", case_id="HL-KEYLESS", summary=NAMING["vi"])
        malformed = await redis.xadd(INTAKE, {"report": b"{not json"})  # its dead letter cannot be checked either
        sent = await send(redis, report)
        await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=10)
        await processor.process([(malformed, {b"report": b"{not json"}), (sent, signed_fields(report))])
        assert await redis.xrange(keys.OUTCOMES) == []
        assert await redis.xrange(keys.dead_letters("hotline")) == []
        assert await processor.store.read_case("HL-KEYLESS") == []
        pending: Any = await redis.xpending(INTAKE, "hotline")
        assert pending["pending"] == 2
        await redis.set(keys.VAULT_INDEX_KEY, key)  # restored from the backup that holds the index
        entries: Any = await redis.xrange(INTAKE)
        await processor.process([(entry_id, fields) for entry_id, fields in entries])
    finally:
        await hotline_client.aclose()
    outcome = await outcome_of(redis, "while-keyless")
    assert outcome.reason is not None
    assert (outcome.status, outcome.reason.code) == ("rejected", NAMES_VAULT_SUBJECT)

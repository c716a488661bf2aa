"""Dead letters, kept for ever, never keep a vault subject's name (ADR 0016), in both intake services."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor as HotlineProcessor
from services.incidents.config import IncidentsConfig
from services.incidents.processor import Processor as IncidentsProcessor
from shared.intake.dead_letters import NAMES_A_SUBJECT, REASON_WITHHELD, TOO_LARGE
from shared.outcomes import Outcome, outcome_decoder
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from shared.vault.store import Vault, new_subject_id
from tests.conftest import TEST_PARTITIONS
from tests.integration.vault.redis_values import names_lookups
from tests.signing import KEYS, register_test_keys, signed, signed_fields
from tests.unit.hotline.reports import log_call
from tests.unit.incidents import incident_reports as inc

NAME = "Vàng Thị Dua"
FORMS = [NAME.encode(), json.dumps(NAME)[1:-1].encode(), b"DUA", "王氏蒂".encode()]
"""Her name as UTF-8, JSON-escaped, one word of it upper-cased, and her Chinese name."""
SERVICES = ["hotline", "incidents"]
Processor = HotlineProcessor | IncidentsProcessor


async def _processor(service: str, redis: Redis, url: str) -> Processor:
    await register_test_keys(redis)
    await redis.xgroup_create(keys.intake(service), service, id="0", mkstream=True)
    store = EventStore(redis, TEST_PARTITIONS)
    if service == "hotline":
        return HotlineProcessor(redis, store, HotlineConfig(redis_url=url, partitions=TEST_PARTITIONS, consumer="t"))
    return IncidentsProcessor(redis, store, IncidentsConfig(
        signing_key=KEYS["incidents"], redis_url=url, partitions=TEST_PARTITIONS, consumer="t"))


def _report(service: str, command_id: str, **overrides: Any) -> dict[str, Any]:
    """A readable report of the service."""
    if service == "hotline":
        return log_call(command_id, case_id=f"HL-{command_id}", **overrides)
    return inc.raise_incident(command_id=command_id, **overrides)


def _malformed(service: str, command_id: str, summary: str, bad: str = "huge") -> bytes:
    """A report with a free-text summary and one value its field does not allow (``direction`` / ``impact``)."""
    field = "direction" if service == "hotline" else "impact"
    report = _report(service, command_id, summary={"original": "vi", "vi": summary}) | {field: bad}
    return msgspec.json.encode(report)


async def _xrange(redis: Redis, key: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    entries: Any = await redis.xrange(key)
    return list(entries)


async def _process(redis: Redis, processor: Processor, service: str, raws: list[bytes],
                   give_up: bool = False) -> list[bytes]:
    intake = keys.intake(service)
    entries: list[tuple[bytes, dict[bytes, bytes]]] = []
    for raw in raws:
        entry_id: Any = await redis.xadd(intake, signed(raw))
        entries.append((entry_id, signed_fields(raw)))
    await redis.xreadgroup(service, "t", {intake: ">"}, count=100)
    await processor.process(entries, frozenset(e for e, _ in entries) if give_up else frozenset())
    return [entry_id for entry_id, _ in entries]


async def _outcome(redis: Redis, command_id: str) -> Outcome:
    [outcome] = [outcome_decoder.decode(f[b"outcome"]) for _, f in await _xrange(redis, keys.OUTCOMES)
                 if f[b"command_id"] == command_id.encode()]
    return outcome


async def _dead(redis: Redis, service: str) -> dict[str, dict[bytes, bytes]]:
    """The service's dead letters by entry id of the report."""
    return {f[b"entry_id"].decode(): f for _, f in await _xrange(redis, keys.dead_letters(service))}


def _named(values: Any) -> list[bytes]:
    return [v for v in values for form in FORMS if form.lower() in v.lower()]


@pytest.mark.parametrize("service", SERVICES)
async def test_a_malformed_report_naming_a_subject_leaves_its_name_nowhere(
    service: str, redis: Redis, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Malformed reports naming her (in free text, in an unreadable JSON, in the value the reason quotes, in the
    command id) are answered `malformed`, dead-lettered with only size and hash, their entries deleted; one that
    names nobody keeps its body; the batch's dead letters are checked in one lookup."""
    processor = await _processor(service, redis, redis_server.url)
    await Vault(redis).put(new_subject_id(), {"name": NAME, "other_names": ["王氏蒂"]})
    await _process(redis, processor, service, [_malformed(service, "warm-up", "x")])  # reads the index once
    lookups = await names_lookups(redis)
    in_text = _malformed(service, "in-text", f"Đã tiếp nhận chị {NAME.upper()} tại cửa khẩu")
    escaped = json.dumps({"command_id": "escaped", "note": f"{NAME} 王氏蒂"}).encode()[:-2]  # not JSON: cut
    in_value = _malformed(service, "in-value", "Năm người", bad=NAME)  # msgspec quotes the value in its reason
    in_id = _malformed(service, "call-about-vang-thi-dua", "Năm người")  # the outcome keeps it, the dead letter not
    plain = _malformed(service, "plain", "Năm người gần mốc 102")
    ids = await _process(redis, processor, service, [in_text, escaped, in_value, in_id, plain])

    assert await names_lookups(redis) - lookups == 1  # one HMGET of the names index for the batch's dead letters
    dead = await _dead(redis, service)
    assert _named(v for letter in dead.values() for v in letter.values()) == []
    for entry_id, raw in zip(ids[:4], (in_text, escaped, in_value, in_id), strict=True):
        letter = dead[entry_id.decode()]
        assert b"original" not in letter
        assert letter[b"withheld"] == NAMES_A_SUBJECT.encode()
        assert letter[b"sha256"] == hashlib.sha256(raw).hexdigest().encode()
        assert letter[b"size"] == str(len(raw)).encode()
    assert dead[ids[0].decode()][b"command_id"] == b"in-text"
    assert b"command_id" not in dead[ids[3].decode()]
    assert dead[ids[4].decode()][b"original"] == plain  # an operator needs the body of one naming nobody
    for command_id in ("in-text", "in-value", "plain"):
        reason = (await _outcome(redis, command_id)).reason
        assert reason is not None
        assert reason.code == "malformed"
        assert _named([reason.message.encode()]) == []
    value_reason = (await _outcome(redis, "in-value")).reason
    assert value_reason is not None
    assert value_reason.message == REASON_WITHHELD
    assert dead[ids[2].decode()][b"reason"] == REASON_WITHHELD.encode()
    assert dead[ids[4].decode()][b"reason"].startswith(b"invalid report: ")  # the reason is kept when it can be
    remaining = [entry_id for entry_id, _ in await _xrange(redis, keys.intake(service))]
    assert ids[4] in remaining
    assert not set(ids[:4]) & set(remaining)
    assert _named(v for _, f in await _xrange(redis, keys.intake(service)) for v in f.values()) == []


@pytest.mark.parametrize("service", SERVICES)
async def test_a_report_given_up_that_names_a_subject_keeps_no_name_in_its_dead_letter(
    service: str, redis: Redis, redis_server: RedisServer
) -> None:
    """A report dead-lettered after too many deliveries, naming her outside its free texts (as officer), keeps only
    size and hash and its entry goes; a given-up report naming nobody keeps its body."""
    processor = await _processor(service, redis, redis_server.url)
    await Vault(redis).put(new_subject_id(), {"name": NAME})
    named = msgspec.json.encode(_report(service, "given-up-named", officer=NAME))
    plain = msgspec.json.encode(_report(service, "given-up-plain"))
    ids = await _process(redis, processor, service, [named, plain], give_up=True)

    for command_id in ("given-up-named", "given-up-plain"):
        reason = (await _outcome(redis, command_id)).reason
        assert reason is not None
        assert reason.code == "processing_failed"
    dead = await _dead(redis, service)
    assert dead[ids[0].decode()][b"sha256"] == hashlib.sha256(named).hexdigest().encode()
    assert _named(v for letter in dead.values() for v in letter.values()) == []
    assert dead[ids[1].decode()][b"original"] == plain
    assert [entry_id for entry_id, _ in await _xrange(redis, keys.intake(service))] == ids[1:]


async def test_an_entry_too_large_to_check_keeps_only_size_and_hash(redis: Redis, redis_server: RedisServer) -> None:
    """Over twice the report limit an entry is not searched for names: its body is never kept, its entry goes."""
    processor = await _processor("hotline", redis, redis_server.url)
    huge = b'{"command_id": "huge", "note": "' + b"x" * (200 * 1024) + b'"}'
    [entry_id] = await _process(redis, processor, "hotline", [huge])
    letter = (await _dead(redis, "hotline"))[entry_id.decode()]
    assert letter[b"withheld"] == TOO_LARGE.encode()
    assert letter[b"size"] == str(len(huge)).encode()
    assert b"original" not in letter
    assert await redis.xlen(keys.intake("hotline")) == 0

"""A malformed report naming a vault subject leaves her name in no log line, in both intake services."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from shared.intake.dead_letters import REASON_WITHHELD
from shared.redis_server import RedisServer
from shared.vault.store import Vault, new_subject_id
from tests.integration.intake.test_dead_letters_keep_no_names import (
    NAME,
    SERVICES,
    _malformed,
    _named,
    _process,
    _processor,
)


@pytest.mark.parametrize("service", SERVICES)
async def test_a_dead_letter_logs_no_vault_name(service: str, redis: Redis, redis_server: RedisServer) -> None:
    """Her name typed as an enum value (quoted by msgspec in the reason) or in the command id is in no log line;
    the dead-letter line still says which entry and why, and a reason naming nobody is logged as is."""
    processor = await _processor(service, redis, redis_server.url)
    await Vault(redis).put(new_subject_id(), {"name": NAME, "other_names": ["王氏蒂"]})
    in_value = _malformed(service, "in-value", "Năm người", bad=NAME)
    in_id = _malformed(service, "call-about-vang-thi-dua", "Năm người")
    plain = _malformed(service, "plain", "Năm người gần mốc 102")
    with capture_logs() as logs:
        ids = await _process(redis, processor, service, [in_value, in_id, plain])

    assert _named([repr(line).encode() for line in logs]) == []
    dead = {line["entry_id"]: line for line in logs if line["event"] == "dead_letter"}
    assert set(dead) == {entry_id.decode() for entry_id in ids}
    assert dead[ids[0].decode()]["reason"] == REASON_WITHHELD
    assert dead[ids[0].decode()]["command_id"] == "in-value"
    assert dead[ids[1].decode()]["command_id"] is None  # withheld from the dead letter, so from its line too
    assert dead[ids[2].decode()]["reason"].startswith("invalid report: ")
    assert dead[ids[2].decode()]["command_id"] == "plain"

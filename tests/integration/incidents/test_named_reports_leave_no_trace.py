"""A report refused for naming a vault subject leaves the name nowhere in Redis, not even on the intake."""

from __future__ import annotations

from redis.asyncio import Redis

from services.incidents.domain import reasons as reasons
from shared.store import EventStore
from shared.vault.store import Vault, new_subject_id
from tests.integration.incidents.conftest import INTAKE, RunIncidents, eventually, outcome_of, send
from tests.integration.vault.redis_values import holds
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import text

NAME = "Sùng Thị Chở"


async def test_the_refused_entry_is_deleted_from_the_intake_once_answered(
    redis: Redis, store: EventStore, run_incidents: RunIncidents
) -> None:
    """Refused names_vault_subject (and a malformed one naming her, dead-lettered without its body); their intake
    entries are then deleted, so no key holds the name in clear."""
    await Vault(redis).put(new_subject_id(), {"name": NAME})
    named = inc.raise_incident(command_id="raise-named", summary=text(f"Đã tìm thấy {NAME} gần mốc 104(2)"))
    malformed = named | {"command_id": "raise-malformed", "impact": "huge"}
    async with run_incidents():
        await send(redis, inc.raise_incident(command_id="raise-clean"))
        await send(redis, named)
        await send(redis, malformed)
        refused = await outcome_of(redis, "raise-named")
        assert refused.reason is not None
        assert refused.reason.code == reasons.NAMES_VAULT_SUBJECT
        unreadable = await outcome_of(redis, "raise-malformed")
        assert unreadable.reason is not None
        assert unreadable.reason.code == reasons.MALFORMED

        async def intake_is_clean() -> bool:
            return await redis.xlen(INTAKE) == 1  # the clean report's entry stays

        await eventually(intake_is_clean, 5, "the refused entry to leave the intake")
    assert await holds(redis, NAME.encode()) == []

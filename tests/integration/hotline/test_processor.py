"""The processor against real Redis when another writer moves the case between its read and its append."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from services.hotline.config import HotlineConfig
from services.hotline.domain import decide, fold
from services.hotline.processor import Processor
from shared.events import AnyEvent
from shared.redis_server import RedisServer
from shared.store import AppendResult, EventStore
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import INTAKE, outcome_of, send
from tests.signing import register_test_keys, signed_fields
from tests.unit.hotline.reports import command, log_call, send_letter

CASE = "HL-RACE"


class RacingStore(EventStore):
    """An event store where, before each of our next ``races`` appends (or batches of appends), another writer
    appends a letter first."""

    def __init__(self, redis: Redis, partitions: int, races: int) -> None:
        super().__init__(redis, partitions)
        self.races = races

    async def append(self, case_id: str, events: Any, expected_version: int, **kwargs: Any) -> AppendResult:
        if self.races > 0:
            self.races -= 1
            await self._other_writer(case_id)
        return await super().append(case_id, events, expected_version, **kwargs)

    async def append_many(self, requests: Any) -> Any:
        if self.races > 0 and requests:
            self.races -= 1
            await self._other_writer(requests[0].case_id)
        return await super().append_many(requests)

    async def _other_writer(self, case_id: str) -> None:
        recorded: list[AnyEvent] = [entry.event() for entry in await self.read_case(case_id)]
        state = fold(case_id, recorded)
        racer = command(send_letter(f"racer-{self.races}", case_id=case_id, reference=f"RACE-{self.races}"))
        await super().append(case_id, decide(racer, state, datetime.now(UTC)), state.version,
                             command_id=racer.command_id)


async def _processor(redis: Redis, redis_server: RedisServer, races: int) -> Processor:
    await register_test_keys(redis)
    await redis.xgroup_create(INTAKE, "hotline", id="0", mkstream=True)
    config = HotlineConfig(redis_url=redis_server.url, partitions=TEST_PARTITIONS, consumer="t")
    return Processor(redis, RacingStore(redis, TEST_PARTITIONS, races), config)


async def _process(redis: Redis, processor: Processor, report: dict[str, Any]) -> None:
    entry_id = await send(redis, report)
    await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=10)
    await processor.process([(entry_id, signed_fields(report))])


async def test_a_conflict_is_re_decided_on_the_new_state(redis: Redis, redis_server: RedisServer) -> None:
    """Another writer's letter lands first: ours is decided again and recorded after it, at version 3."""
    processor = await _processor(redis, redis_server, races=0)
    await _process(redis, processor, log_call("cmd-open", case_id=CASE))
    assert isinstance(processor.store, RacingStore)
    processor.store.races = 1
    await _process(redis, processor, send_letter("cmd-ours", case_id=CASE, reference="OURS"))
    outcome = await outcome_of(redis, "cmd-ours")
    assert (outcome.status, outcome.version) == ("accepted", 3)
    assert processor.conflicts == 1
    recorded = [entry.event() for entry in await processor.store.read_case(CASE)]
    assert [e.causation_id for e in recorded] == ["cmd-open", "racer-0", "cmd-ours"]


async def test_a_case_that_never_stops_moving_gives_version_conflict(redis: Redis, redis_server: RedisServer) -> None:
    """After append_tries conflicts in a row the report is rejected with version_conflict, recording nothing."""
    processor = await _processor(redis, redis_server, races=0)
    await _process(redis, processor, log_call("cmd-open", case_id=CASE))
    assert isinstance(processor.store, RacingStore)
    processor.store.races = processor.config.append_tries
    await _process(redis, processor, send_letter("cmd-starved", case_id=CASE, reference="STARVED"))
    outcome = await outcome_of(redis, "cmd-starved")
    assert outcome.reason is not None
    assert outcome.reason.code == "version_conflict"
    assert processor.conflicts == processor.config.append_tries
    causes = [entry.event().causation_id for entry in await processor.store.read_case(CASE)]
    assert "cmd-starved" not in causes
    assert len(causes) == 1 + processor.config.append_tries


async def _process_batch(redis: Redis, processor: Processor, reports: list[dict[str, Any]]) -> None:
    entries = [(await send(redis, report), signed_fields(report)) for report in reports]
    await redis.xreadgroup("hotline", "t", {INTAKE: ">"}, count=100)
    await processor.process(entries)


async def test_a_batch_chains_each_case_and_redecides_only_the_moved_one(
    redis: Redis, redis_server: RedisServer
) -> None:
    """One batch: three reports on a case another writer moves first, one each on two other cases. The moved
    case's three are re-decided after the racer's letter, in order; the others are recorded in the first round."""
    processor = await _processor(redis, redis_server, races=0)
    await _process(redis, processor, log_call("cmd-open", case_id=CASE))
    assert isinstance(processor.store, RacingStore)
    processor.store.races = 1  # before the batch's first append_many: its first case is CASE
    ours = [send_letter(f"cmd-{i}", case_id=CASE, reference=f"OURS-{i}") for i in range(3)]
    others = [log_call("cmd-other-a", case_id="HL-OTHER-A"), log_call("cmd-other-b", case_id="HL-OTHER-B")]
    await _process_batch(redis, processor, [ours[0], others[0], ours[1], others[1], ours[2]])
    assert processor.conflicts == 1
    answers = {r["command_id"]: await outcome_of(redis, r["command_id"]) for r in ours + others}
    assert [(answers[f"cmd-{i}"].status, answers[f"cmd-{i}"].version) for i in range(3)] == [
        ("accepted", 3), ("accepted", 4), ("accepted", 5)
    ]
    assert (answers["cmd-other-a"].version, answers["cmd-other-b"].version) == (1, 1)
    recorded = [entry.event().causation_id for entry in await processor.store.read_case(CASE)]
    assert recorded == ["cmd-open", "racer-0", "cmd-0", "cmd-1", "cmd-2"]
    pending: Any = await redis.xpending(INTAKE, "hotline")
    assert pending["pending"] == 0


async def test_a_case_another_process_moved_is_brought_up_to_date_in_the_batch_lookup(
    redis: Redis, redis_server: RedisServer
) -> None:
    """Two processes take turns on one case: each finds the case moved past what it holds, and decides on the
    other's events read in its batch lookup (prefetched), with no read of the case of its own."""
    first = await _processor(redis, redis_server, races=0)
    second = Processor(redis, EventStore(redis, TEST_PARTITIONS), first.config)
    await _process(redis, first, log_call("cmd-open", case_id=CASE))
    await _process(redis, second, send_letter("cmd-second", case_id=CASE, reference="SECOND"))
    reads: list[list[str]] = []
    for processor in (first, second):
        original = processor.store.read_cases

        async def spy(case_ids: list[str], from_versions: list[int] | None = None, original: Any = original) -> Any:
            reads.append(list(case_ids))
            return await original(case_ids, from_versions)

        processor.store.read_cases = spy  # type: ignore[method-assign]
    await _process(redis, first, send_letter("cmd-first", case_id=CASE, reference="FIRST"))
    await _process(redis, second, send_letter("cmd-second-again", case_id=CASE, reference="AGAIN"))
    assert [r for r in reads if r] == []
    versions = [(await outcome_of(redis, c)).version for c in ("cmd-second", "cmd-first", "cmd-second-again")]
    assert versions == [2, 3, 4]
    assert (first.conflicts, second.conflicts) == (0, 0)


async def test_a_prefetch_refused_after_a_script_flush_falls_back_to_reading_the_case(
    redis: Redis, redis_server: RedisServer
) -> None:
    """Redis restarted with an empty script cache: the batch lookup's case read is refused (NOSCRIPT), the batch
    is not failed for it, and the moved case is read on its own and decided at its head."""
    first = await _processor(redis, redis_server, races=0)
    second = Processor(redis, EventStore(redis, TEST_PARTITIONS), first.config)
    await _process(redis, first, log_call("cmd-open", case_id=CASE))
    await _process(redis, second, send_letter("cmd-second", case_id=CASE, reference="SECOND"))
    await redis.script_flush()
    await _process(redis, first, send_letter("cmd-first", case_id=CASE, reference="FIRST"))
    outcome = await outcome_of(redis, "cmd-first")
    assert (outcome.status, outcome.version) == ("accepted", 3)
    assert first.conflicts == 0


async def test_a_case_whose_log_holds_an_unreadable_entry_fails_only_its_own_reports(
    redis: Redis, redis_server: RedisServer
) -> None:
    """An entry written around the append script (no chain hash) in one case's log: the batch lookup's read of that
    case cannot be parsed, and only the report on that case fails; the other report of the batch is recorded."""
    processor = await _processor(redis, redis_server, races=0)
    await _process(redis, processor, log_call("cmd-open", case_id=CASE))
    k = processor.store.keys(processor.store.partition_of(CASE))
    odd = await redis.xadd(k.log, {"n": "999", "prev": "0" * 64, "e": b"{}"})
    await redis.rpush(k.case(CASE), odd)
    other = Processor(redis, EventStore(redis, TEST_PARTITIONS), processor.config)
    reports = [send_letter("cmd-to-odd", case_id=CASE, reference="ODD"), log_call("cmd-innocent", case_id="HL-ELSE")]
    await _process_batch(redis, other, reports)
    assert (await outcome_of(redis, "cmd-innocent")).status == "accepted"
    failed = await outcome_of(redis, "cmd-to-odd")
    assert failed.reason is not None
    assert (failed.status, failed.reason.code) == ("rejected", "processing_failed")

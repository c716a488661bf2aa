"""The event store's contract: one base class of tests every adapter's test class subclasses.

``TestMemoryStore`` (test_store_memory.py) runs it on the in-memory twin; ``TestOneRedis`` and
``TestRedisCluster`` (test_store_redis.py) on a real redis-server and a real 3-master cluster. An
adapter's class gives the ``store`` fixture and four hooks that look at what the port does not show
(everything an append writes, the log's length, the auditor's verification).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from shared.events import AnyEvent, encode_event
from shared.store import AppendRequest, AppendResult, ConcurrencyConflict, InvalidAppend
from shared.store.audit import AuditReport
from shared.store.chain import GENESIS, link
from tests.contract.factory import call, calls


def _cases_in(store: Any, partition: int, count: int) -> list[str]:
    """``count`` case ids that live in ``partition``."""
    found: list[str] = []
    i = 0
    while len(found) < count:
        case_id = f"read-{i}"
        if store.partition_of(case_id) == partition:
            found.append(case_id)
        i += 1
    return found


def _head_after(head: str, events: list[AnyEvent]) -> str:
    for event in events:
        head = link(head, encode_event(event))
    return head


class StoreContract:
    """Every rule of the store port, as tests; subclasses give ``store`` and the hooks below."""

    async def partition_state(self, store: Any, case_id: str) -> Any:
        """Everything an append writes in the case's partition (to prove a refused append wrote nothing)."""
        raise NotImplementedError

    async def case_state(self, store: Any, case_id: str, events: list[AnyEvent], command_id: str = "") -> Any:
        """What an append of ``events`` (by ``command_id``) to the case would change."""
        raise NotImplementedError

    async def log_length(self, store: Any, partition: int) -> int:
        """Entries the partition's log holds (not the counter: what is there)."""
        raise NotImplementedError

    async def audit(self, store: Any) -> AuditReport:
        """The auditor's verification of every chain and every partition's numbering."""
        raise NotImplementedError

    async def total_length(self, store: Any) -> int:
        """Entries every partition's log holds."""
        return sum([await self.log_length(store, p) for p in range(store.partitions)])

    async def test_retried_append_returns_original_positions(self, store: Any) -> None:
        """Appending the same event ids again returns the first positions and version, marked duplicate, writing
        nothing."""
        case_id = "retry-1"
        events = calls(case_id, 1, 2)
        first = await store.append(case_id, events, 0)
        assert not first.duplicate
        await store.append(case_id, [call(case_id, 3)], 2)  # the case moves on before the retry arrives
        before = await self.partition_state(store, case_id)
        again = await store.append(case_id, events, 0)
        assert again.duplicate
        assert again.positions == first.positions
        assert again.version == 2
        assert await self.partition_state(store, case_id) == before
        recorded = await store.read_case(case_id)
        assert [entry.head()[1] for entry in recorded] == [1, 2, 3]
        assert [entry.position for entry in recorded[:2]] == list(first.positions)
        assert [entry.event() for entry in recorded[:2]] == events

    async def test_partial_duplicate_is_refused_without_writing(self, store: Any) -> None:
        """An append mixing a recorded event id with a new one is refused with a typed error and writes nothing."""
        case_id = "retry-2"
        recorded = calls(case_id, 1, 2)
        await store.append(case_id, recorded, 0)
        before = await self.partition_state(store, case_id)
        mixed = [call(case_id, 3, event_id=recorded[1].event_id), call(case_id, 4)]
        with pytest.raises(InvalidAppend, match="already recorded"):
            await store.append(case_id, mixed, 2)
        assert await self.partition_state(store, case_id) == before

    async def test_retried_command_returns_original_positions(self, store: Any) -> None:
        """A command sent again (even re-decided into new event ids) returns its first positions, writing nothing."""
        case_id = "retry-3"
        first = await store.append(case_id, calls(case_id, 1, 3), 0, command_id="cmd-42")
        before = await self.partition_state(store, case_id)
        again = await store.append(case_id, calls(case_id, 1, 3), 0, command_id="cmd-42")
        assert again.duplicate
        assert again.positions == first.positions
        assert again.version == 3
        assert await store.command_positions(case_id, "cmd-42") == first.positions
        assert await self.partition_state(store, case_id) == before
        assert await store.command_positions(case_id, "cmd-unknown") is None

    async def test_read_partition_pages_from_a_position(self, store: Any) -> None:
        """Paging a partition with ``after`` = the last position read yields every entry once, in log order."""
        a, b = _cases_in(store, 1, 2)
        for version in range(1, 8):
            await store.append(a, [call(a, version)], version - 1)
            await store.append(b, [call(b, version)], version - 1)
        pages: list[list[str]] = []
        after = "0"
        while page := await store.read_partition(1, after=after, count=3):
            pages.append([entry.position for entry in page])
            after = page[-1].position
        assert [len(page) for page in pages] == [3, 3, 3, 3, 2]
        everything = await store.read_partition(1, count=100)
        assert [p for page in pages for p in page] == [entry.position for entry in everything]
        assert [entry.number for entry in everything] == list(range(1, 15))
        middle = everything[5].position
        assert [entry.number for entry in await store.read_partition(1, after=middle, count=2)] == [7, 8]
        assert await store.read_partition(1, after=everything[-1].position) == []
        assert await store.read_partition(0) == []

    async def test_heads_and_numbered(self, store: Any) -> None:
        """heads() gives each case's version and last hash, numbered() each partition's entry count."""
        a, b = _cases_in(store, 2, 2)
        await store.append(a, calls(a, 1, 3), 0)
        await store.append(b, calls(b, 1, 2), 0)
        heads = await store.heads(2)
        log = await store.read_partition(2)
        assert heads == {a: (3, log[2].hash), b: (2, log[4].hash)}
        assert await store.head(a) == (3, log[2].hash)
        assert await store.head("never-written") == (0, GENESIS)
        assert [await store.numbered(p) for p in range(store.partitions)] == [0, 0, 5, 0]
        assert await store.heads(0) == {}

    async def test_read_case_from_version(self, store: Any) -> None:
        """read_case returns the case's events in version order, from the version asked for."""
        case_id = "read-case-7"
        await store.append(case_id, calls(case_id, 1, 2), 0)
        await store.append(case_id, calls(case_id, 3, 4), 2)
        whole = await store.read_case(case_id)
        assert [entry.event().case_version for entry in whole] == [1, 2, 3, 4, 5, 6]
        assert [entry.prev for entry in whole[1:]] == [entry.hash for entry in whole[:-1]]
        assert whole[0].prev == GENESIS
        tail = await store.read_case(case_id, from_version=4)
        assert [entry.head()[1] for entry in tail] == [4, 5, 6]
        assert tail == whole[3:]
        assert await store.read_case(case_id, from_version=7) == []
        assert await store.read_case("no-such-case") == []

    async def test_conflicting_append_writes_nothing(self, store: Any) -> None:
        """An append at a stale expected version is refused with the actual version, and nothing changes."""
        case_id = "refuse-1"
        await store.append(case_id, calls(case_id, 1, 3), 0)
        before = await self.partition_state(store, case_id)
        with pytest.raises(ConcurrencyConflict) as refused:
            await store.append(case_id, calls(case_id, 2, 2), 1, command_id="cmd-stale")
        assert (refused.value.expected, refused.value.actual) == (1, 3)
        assert await self.partition_state(store, case_id) == before
        with pytest.raises(ConcurrencyConflict) as ahead:
            await store.append(case_id, [call(case_id, 6)], 5)
        assert (ahead.value.expected, ahead.value.actual) == (5, 3)
        assert await self.partition_state(store, case_id) == before

    async def test_bad_chain_link_writes_nothing(self, store: Any) -> None:
        """An append at the right version whose prev is not the case's head is refused: the chain cannot fork."""
        case_id = "refuse-2"
        await store.append(case_id, calls(case_id, 1, 2), 0)
        before = await self.partition_state(store, case_id)
        with pytest.raises(ConcurrencyConflict) as refused:
            await store.append(case_id, calls(case_id, 3, 2), 2, head_hash="f" * 64, command_id="cmd-forked")
        assert (refused.value.expected, refused.value.actual) == (2, 2)
        assert await self.partition_state(store, case_id) == before
        version, head = await store.head(case_id)
        result = await store.append(case_id, calls(case_id, 3, 1), version, head_hash=head)
        assert result.version == 3  # the right head is accepted, so the refusal above was the link

    async def test_events_not_fitting_the_case_are_refused_before_redis(self, store: Any) -> None:
        """Events of another case or with wrong version numbers are refused by name, and nothing is written."""
        case_id = "refuse-3"
        await store.append(case_id, calls(case_id, 1, 1), 0)
        before = await self.partition_state(store, case_id)
        with pytest.raises(InvalidAppend, match="belongs to case other"):
            await store.append(case_id, [call("other", 2)], 1)
        with pytest.raises(InvalidAppend, match="case_version 4, expected 3"):
            await store.append(case_id, [call(case_id, 2), call(case_id, 4)], 1)
        with pytest.raises(InvalidAppend, match="at least one event"):
            await store.append(case_id, [], 1)
        assert await self.partition_state(store, case_id) == before

    async def test_racing_writers_one_wins(self, store: Any) -> None:
        """20 appends at the same expected version: one is recorded, 19 get a conflict naming both versions."""
        case_id = "race-1"
        await store.append(case_id, calls(case_id, 1, 3), 0)
        _, head = await store.head(case_id)
        contenders = [call(case_id, 4, note=f"writer {i}") for i in range(20)]
        # Every writer holds the same (current) head, so only the version check can tell them apart.
        results = await asyncio.gather(
            *(store.append(case_id, [event], 3, head_hash=head) for event in contenders), return_exceptions=True
        )
        won = [r for r in results if isinstance(r, AppendResult)]
        lost = [r for r in results if isinstance(r, ConcurrencyConflict)]
        assert len(won) == 1
        assert len(lost) == 19
        for conflict in lost:
            assert (conflict.case_id, conflict.expected, conflict.actual) == (case_id, 3, 4)
            assert "expected version 3" in str(conflict)
            assert "at version 4" in str(conflict)
        winner = contenders[results.index(won[0])]
        recorded = await store.read_case(case_id)
        assert [entry.head()[1] for entry in recorded] == [1, 2, 3, 4]
        assert recorded[-1].event() == winner
        assert won[0].positions == (recorded[-1].position,)
        partition = store.partition_of(case_id)
        assert await self.log_length(store, partition) == 4
        assert await store.numbered(partition) == 4
        assert await store.head(case_id) == (4, recorded[-1].hash)

    async def test_hot_case_retry_loop(self, store: Any) -> None:
        """16 writers each append 25 events to one case, retrying on conflict: exactly 400, in order, chained."""
        case_id = "hot-case"
        conflicts = 0

        async def writer(w: int) -> list[str]:
            nonlocal conflicts
            mine: list[str] = []
            while len(mine) < 25:
                version, head = await store.head(case_id)
                event = call(case_id, version + 1, note=f"w{w} #{len(mine)}")
                try:
                    await store.append(case_id, [event], version, head_hash=head)
                except ConcurrencyConflict:
                    conflicts += 1
                    continue
                mine.append(event.event_id)
            return mine

        written = await asyncio.gather(*(writer(w) for w in range(16)))
        recorded = await store.read_case(case_id)
        assert [entry.head()[1] for entry in recorded] == list(range(1, 401))
        assert sorted(entry.head()[2] for entry in recorded) == sorted(e for ids in written for e in ids)
        assert recorded[0].prev == GENESIS
        assert all(later.prev == earlier.hash for earlier, later in itertools.pairwise(recorded))
        assert conflicts > 0  # the writers did contend; otherwise this proves nothing about the race
        report = await self.audit(store)
        assert report.breaches == []
        assert report.events == 400
        assert report.heads == {case_id: (400, recorded[-1].hash)}
        assert await store.numbered(store.partition_of(case_id)) == 400

    async def test_many_independent_appends_all_recorded(self, store: Any) -> None:
        """300 appends over 150 cases in one call: each recorded in order, every chain and numbering verifies."""
        requests = [AppendRequest(f"batch-{i}", calls(f"batch-{i}", 1, 1 + i % 3), 0) for i in range(150)]
        results = await store.append_many(requests)
        assert all(isinstance(r, AppendResult) and not r.duplicate for r in results)
        # A second round on the same cases, heads left for the store to read.
        follow = [AppendRequest(r.case_id, [call(r.case_id, 2 + i % 3)], 1 + i % 3) for i, r in enumerate(requests)]
        again = await store.append_many(follow)
        for i, (request, result) in enumerate(zip(follow, again, strict=True)):
            assert isinstance(result, AppendResult)
            assert (result.case_id, result.version, len(result.positions)) == (request.case_id, 2 + i % 3, 1)
        for i in (0, 1, 2, 77, 149):
            case_id = f"batch-{i}"
            recorded = await store.read_case(case_id)
            assert [e.head()[1] for e in recorded] == list(range(1, 3 + i % 3))
            assert [e.event() for e in recorded] == [*requests[i].events, *follow[i].events]
        report = await self.audit(store)
        assert report.ok, report.breaches
        assert report.events == sum(len(r.events) for r in requests) + len(follow)

    async def test_refusals_are_per_append_and_write_nothing(self, store: Any) -> None:
        """Conflict, invalid versions, partial duplicate, retry and resent command each get their own answer."""
        first = calls("m-dup", 1, 2)
        partial_base = calls("m-partial", 1, 2)
        await store.append("m-dup", first, 0)
        cmd_first = await store.append("m-cmd", calls("m-cmd", 1, 1), 0, command_id="cmd-7")
        await store.append("m-partial", partial_base, 0)
        await store.append("m-conflict", calls("m-conflict", 1, 2), 0)
        stale = [call("m-conflict", 2)]
        bad_version = [call("m-invalid", 3)]
        mixed = [call("m-partial", 3, event_id=partial_base[1].event_id), call("m-partial", 4)]
        fresh = calls("m-ok", 1, 2)
        before = {
            "m-conflict": await self.case_state(store, "m-conflict", stale),
            "m-invalid": await self.case_state(store, "m-invalid", bad_version),
            "m-partial": await self.case_state(store, "m-partial", mixed),
        }
        results = await store.append_many([
            AppendRequest("m-conflict", stale, 1),
            AppendRequest("m-ok", fresh, 0),
            AppendRequest("m-invalid", bad_version, 0),
            AppendRequest("m-dup", first, 0),
            AppendRequest("m-cmd", calls("m-cmd", 1, 1), 0, command_id="cmd-7"),
            AppendRequest("m-partial", mixed, 2),
            AppendRequest("m-empty", [], 0),
        ])
        conflict, ok, invalid, dup, dupcmd, partial, empty = results
        assert isinstance(conflict, ConcurrencyConflict)
        assert (conflict.case_id, conflict.expected, conflict.actual) == ("m-conflict", 1, 2)
        assert isinstance(ok, AppendResult)
        assert (ok.version, ok.duplicate, len(ok.positions)) == (2, False, 2)
        assert isinstance(invalid, InvalidAppend)
        assert "case_version 3" in str(invalid)
        assert isinstance(dup, AppendResult)
        assert (dup.duplicate, dup.version) == (True, 2)
        assert [e.position for e in await store.read_case("m-dup")] == list(dup.positions)
        assert isinstance(dupcmd, AppendResult)
        assert (dupcmd.duplicate, dupcmd.positions, dupcmd.version) == (True, cmd_first.positions, 1)
        assert isinstance(partial, InvalidAppend)
        assert "already recorded" in str(partial)
        assert isinstance(empty, InvalidAppend)
        for case_id, events in (("m-conflict", stale), ("m-invalid", bad_version), ("m-partial", mixed)):
            assert await self.case_state(store, case_id, events) == before[case_id]
        assert [e.event() for e in await store.read_case("m-ok")] == fresh
        report = await self.audit(store)
        assert report.ok, report.breaches

    async def test_same_case_twice_in_one_batch(self, store: Any) -> None:
        """Two appends of one case run in order: the second expects what the first leaves; if the first is
        refused, the second is refused too."""
        one, two = calls("twice", 1, 2), calls("twice", 3, 1)
        results = await store.append_many([
            AppendRequest("twice", one, 0, head_hash=GENESIS),
            AppendRequest("twice", two, 2, head_hash=_head_after(GENESIS, one)),
        ])
        assert [r.version for r in results if isinstance(r, AppendResult)] == [2, 3]
        stale_one, stale_two = [call("twice", 2)], [call("twice", 3)]
        refused = await store.append_many([
            AppendRequest("twice", stale_one, 1),
            AppendRequest("twice", stale_two, 2, head_hash=_head_after(GENESIS, one[:1] + stale_one)),
        ])
        assert all(isinstance(r, ConcurrencyConflict) for r in refused)
        assert [e.head()[1] for e in await store.read_case("twice")] == [1, 2, 3]
        # Without head hashes, the first links to the stored head and the second to the first.
        chained = await store.append_many([
            AppendRequest("twice", [call("twice", 4)], 3), AppendRequest("twice", calls("twice", 5, 2), 4)
        ])
        assert [r.version for r in chained if isinstance(r, AppendResult)] == [4, 6]
        report = await self.audit(store)
        assert report.ok, report.breaches

    async def test_whole_batch_resent_writes_nothing(self, store: Any) -> None:
        """A batch sent again (its connection dropped before the reply) returns the first positions as duplicates."""
        requests = [AppendRequest(f"resend-{i}", calls(f"resend-{i}", 1, 2), 0, command_id=f"c-{i}") for i in range(20)]
        first = await store.append_many(requests)
        length = await self.total_length(store)
        again = await store.append_many(requests)
        for a, b in zip(first, again, strict=True):
            assert isinstance(a, AppendResult)
            assert isinstance(b, AppendResult)
            assert (b.positions, b.version, b.duplicate) == (a.positions, 2, True)
        assert await self.total_length(store) == length

    async def test_racing_batches_one_wins_per_case(self, store: Any) -> None:
        """Eight batches racing over the same 30 cases: each case gets exactly one first event, chains verify."""
        cases = [f"race-many-{i}" for i in range(30)]
        batches = [[AppendRequest(c, [call(c, 1, note=f"writer {w}")], 0, head_hash=GENESIS) for c in cases]
                   for w in range(8)]
        outcomes = await asyncio.gather(*(store.append_many(batch) for batch in batches))
        for j, case_id in enumerate(cases):
            won = [w for w in range(8) if isinstance(outcomes[w][j], AppendResult)]
            assert len(won) == 1
            assert all(isinstance(outcomes[w][j], ConcurrencyConflict) for w in range(8) if w != won[0])
            recorded = await store.read_case(case_id)
            assert [e.event() for e in recorded] == list(batches[won[0]][j].events)
        report = await self.audit(store)
        assert report.ok, report.breaches
        assert report.events == 30

    async def test_read_cases_matches_read_case(self, store: Any) -> None:
        """read_cases returns, for each case asked (known or not), exactly what read_case returns."""
        for i in range(5):
            await store.append(f"rc-{i}", calls(f"rc-{i}", 1, i + 1), 0)
        wanted = ["rc-3", "rc-0", "unknown-case", "rc-4"]
        together = await store.read_cases(wanted)
        assert together == [await store.read_case(case_id) for case_id in wanted]
        assert [len(r) for r in together] == [4, 1, 0, 5]

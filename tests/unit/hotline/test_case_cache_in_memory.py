"""The hotline's case cache on the in-memory store twin: its logic tested fast, without Redis (the twin passes the
same contract suite as Redis; Redis behaviour itself is proven in tests/integration/hotline/test_case_cache.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.hotline.cases import CaseCache, Loaded, Unusable
from services.hotline.domain import CaseState, decide, fold
from shared.store.chain import GENESIS
from shared.store.memory import MemoryEventStore
from tests.unit.hotline.reports import command, log_call, send_letter
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import Case

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def _opened(store: MemoryEventStore, case_id: str) -> None:
    call = command(log_call(f"open-{case_id}", case_id=case_id))
    await store.append(case_id, decide(call, CaseState(case_id=case_id), NOW), 0, command_id=call.command_id)


async def test_a_new_case_a_known_case_and_a_case_of_another_kind_in_one_load() -> None:
    """One load gives an empty state for a new case, the folded state for a known one, and Unusable
    (wrong_case_kind) for an incident case, without failing the others."""
    store = MemoryEventStore(4)
    await _opened(store, "HL-KNOWN")
    incident = Case()
    raised = incident.do(inc.raise_incident())
    await store.append(incident.case_id, raised, 0)
    cache = CaseCache(store, max_cases=10)
    found = await cache.load_many({"HL-NEW": None, "HL-KNOWN": None, incident.case_id: None})
    assert found["HL-NEW"] == Loaded(CaseState(case_id="HL-NEW"), GENESIS)
    known = found["HL-KNOWN"]
    assert isinstance(known, Loaded)
    assert known.state.version == 1
    assert known.head_hash == (await store.head("HL-KNOWN"))[1]
    wrong = found[incident.case_id]
    assert isinstance(wrong, Unusable)
    assert wrong.code == "wrong_case_kind"


async def test_a_cached_case_is_served_from_memory_while_its_head_has_not_moved() -> None:
    """With the head just read unchanged, the cache answers without reading the store; once another writer moved
    the case, only the newer events are read and the state equals a whole fold."""
    store = MemoryEventStore(4)
    await _opened(store, "HL-C")
    cache = CaseCache(store, max_cases=10)
    first = await cache.load_many({"HL-C": await store.head("HL-C")})
    reads: list[list[int] | None] = []
    original = store.read_cases

    async def counting(case_ids: list[str], from_versions: list[int] | None = None) -> list[list[object]]:
        if case_ids:  # an empty call is answered without a round trip by either adapter
            reads.append(from_versions)
        return await original(case_ids, from_versions)  # type: ignore[return-value]

    store.read_cases = counting  # type: ignore[method-assign]
    again = await cache.load_many({"HL-C": await store.head("HL-C")})
    assert again == first
    assert reads == []
    state = fold("HL-C", [e.event() for e in await store.read_case("HL-C")])
    letter = command(send_letter("other", case_id="HL-C", reference="LC/2026/O"))
    await store.append("HL-C", decide(letter, state, NOW), state.version, command_id=letter.command_id)
    moved = (await cache.load_many({"HL-C": await store.head("HL-C")}))["HL-C"]
    assert reads == [[2]]
    assert isinstance(moved, Loaded)
    assert moved.state == fold("HL-C", [e.event() for e in await store.read_case("HL-C")])

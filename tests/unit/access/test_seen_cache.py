"""Views folded on read are kept per stored view: a case id that names another log later is folded again."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from services.hotline.domain import CaseState, decide, fold
from shared.access.principals import Principal
from shared.readmodel.fold import fold as fold_view
from shared.readmodel.queries import as_seen_by
from shared.readmodel.schema import encode_view
from shared.store.memory import MemoryEventStore
from tests.unit.hotline.reports import command, log_call, send_letter

CASE = "HL-REUSED"
HEKOU = Principal("t", "CN-HK-IBCS", "viewer")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def _store_with(reference: str) -> tuple[MemoryEventStore, bytes]:
    """A store holding a call and Lao Cai's H2 letter under CASE, and the case's stored view."""
    store = MemoryEventStore(4)
    opened = decide(command(log_call(f"call-{reference}", case_id=CASE)), CaseState(case_id=CASE), NOW)
    letter = decide(command(send_letter(f"letter-{reference}", case_id=CASE, reference=reference, handling="H2")),
                    fold(CASE, opened), NOW)
    await store.append(CASE, opened, 0)
    await store.append(CASE, letter, 1)
    view = fold_view(None, [e.event() for e in await store.read_case(CASE)], CASE)
    assert view is not None
    return store, encode_view(view)


async def test_the_same_case_and_version_of_another_log_is_folded_again() -> None:
    """After the store was refilled with other events under the same case id and version, Hekou's view is the new
    log's (its call's event id), not the one kept from before."""
    first_store, first_raw = await _store_with("LC/2026/A")
    second_store, second_raw = await _store_with("LC/2026/B")
    first = await as_seen_by(first_store, CASE, first_raw, HEKOU)
    second = await as_seen_by(second_store, CASE, second_raw, HEKOU)
    assert first is not None
    assert second is not None
    first_call = (await first_store.read_case(CASE))[0].head()[2]
    second_call = (await second_store.read_case(CASE))[0].head()[2]
    assert msgspec.json.decode(first)["last_event_id"] == first_call
    assert msgspec.json.decode(second)["last_event_id"] == second_call
    assert first_call != second_call

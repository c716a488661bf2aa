"""Events for the store's tests: realistic hotline calls, with a case id and version of the test's choosing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.events import AnyEvent, HotlineCallLogged, Instant, Text
from shared.store import EventStore

_NOW = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)


def call(case_id: str, version: int, *, event_id: str | None = None, note: str = "") -> AnyEvent:
    """A hotline call logged between two seed units, as the ``version``-th event of ``case_id``."""
    at = Instant.at(_NOW, "+07:00", "09:15 23/11/2026")
    return HotlineCallLogged(
        event_id=event_id or str(uuid.uuid4()),
        case_id=case_id,
        case_version=version,
        occurred_at=at,
        recorded_at=_NOW,
        unit="VN-LC-IBGS",
        officer="Đại úy Nguyễn Văn An",
        causation_id=str(uuid.uuid4()),
        correlation_id=case_id,
        direction="outgoing",
        caller_unit="VN-LC-IBGS",
        callee_unit="CN-HK-IBCS",
        line="LC-HK-1",
        started_at=at,
        languages=("vi", "zh"),
        summary=Text(
            original="vi",
            vi=f"Trao đổi thông tin về tuần tra chung trên tuyến biên giới {note}",
            zh=f"就边境联合巡逻交换信息 {note}",
        ),
    )


def calls(case_id: str, first_version: int, count: int) -> list[AnyEvent]:
    """``count`` consecutive events of one case starting at ``first_version``."""
    return [call(case_id, first_version + i) for i in range(count)]


async def partition_state(store: EventStore, case_id: str) -> tuple[Any, ...]:
    """Everything an append writes in the case's partition (to prove a refused append wrote nothing)."""
    k = store.keys(store.partition_of(case_id))
    r = store.redis
    return (
        await r.xlen(k.log),
        await r.get(k.number),
        await r.hgetall(k.heads),
        await r.lrange(k.case(case_id), 0, -1),
        await r.hgetall(k.eids),
        await r.hgetall(k.cmds),
    )

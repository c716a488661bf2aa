"""Every cross-border disclosure is recorded (ADR 0019): who was shown which case's content, its hash, and when.

A read is a disclosure across the border when what it shows names a unit of another country than
the reader's: a view whose parties include one, events one recorded, an update of such a case.
Each is written to the case's partition, ``liaison:{pN}:disclosures`` (never trimmed: it is evidence
the other side may ask for), in one round trip per response and before the response is sent: if it
cannot be recorded, nothing is shown (the caller gets 503 like any Redis failure).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from shared.access.principals import Principal
from shared.access.visibility import foreign_to
from shared.store import EventStore


@dataclass(frozen=True, slots=True)
class Shown:
    """One case's content in a response: what (``view``, ``events``, ``update``), its bytes, the units it names."""

    case_id: str
    what: str
    content: bytes
    units: Iterable[str]


async def record(redis: Redis, store: EventStore, viewer: Principal, shown: Sequence[Shown]) -> int:
    """Record the cross-border ones among ``shown``; how many were recorded."""
    at = datetime.now(UTC).isoformat()
    entries = []
    for item in shown:
        foreign = foreign_to(viewer, item.units)
        if foreign:
            entries.append((store.keys(store.partition_of(item.case_id)).disclosures, {
                "at": at, "token": viewer.token_id, "unit": viewer.unit, "role": viewer.role,
                "case_id": item.case_id, "what": item.what, "sha256": hashlib.sha256(item.content).hexdigest(),
                "foreign": ",".join(foreign),
            }))
    if entries:
        async with redis.pipeline(transaction=False) as pipe:
            for key, fields in entries:
                pipe.xadd(key, fields)  # type: ignore[arg-type]  # redis-py types the field dict too narrowly
            await pipe.execute()
    return len(entries)

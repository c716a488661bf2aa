"""Every cross-border disclosure is recorded (ADR 0019): who was shown which case's content, its hash, and when.

A read is a disclosure across the border when what it shows names a unit of another country than
the reader's: a view whose parties include one, events one recorded, an update of such a case.
Each is written to the case's partition, ``liaison:{pN}:disclosures`` (never trimmed: it is evidence
the other side may ask for), in one round trip per response and before the response is sent: if it
cannot be recorded, nothing is shown (the caller gets 503 like any Redis failure). The same token shown
the same content of a case again is recorded once per gateway process (``Gateway.disclosed``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.gateway.resources import Gateway
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


SEEN_KEPT = 100_000
"""(token, case, what, content digest) already recorded by this process: the same token shown the same bytes again
(a board reloading its list, a dashboard polling) is not a new disclosure, and must not grow the stream."""


async def record(gw: Gateway, store: EventStore, viewer: Principal, shown: Sequence[Shown]) -> int:
    """Record the cross-border ones among ``shown`` not recorded before for this token; how many were recorded."""
    at = datetime.now(UTC).isoformat()
    entries = []
    fresh = []
    for item in shown:
        foreign = foreign_to(viewer, item.units)
        digest = hashlib.sha256(item.content).hexdigest()
        seen = (viewer.token_id, item.case_id, item.what, digest)
        if foreign and seen not in gw.disclosed:
            fresh.append(seen)
            entries.append((store.keys(store.partition_of(item.case_id)).disclosures, {
                "at": at, "token": viewer.token_id, "unit": viewer.unit, "role": viewer.role,
                "case_id": item.case_id, "what": item.what, "sha256": digest,
                "foreign": ",".join(foreign),
            }))
    if entries:
        async with gw.redis.pipeline(transaction=False) as pipe:
            for key, fields in entries:
                pipe.xadd(key, fields)  # type: ignore[arg-type]  # redis-py types the field dict too narrowly
            await pipe.execute()
        for seen in fresh:  # only once written: a failed write is tried again on the next read
            gw.disclosed[seen] = None
            gw.disclosed.move_to_end(seen)
        while len(gw.disclosed) > SEEN_KEPT:
            gw.disclosed.popitem(last=False)
    return len(entries)

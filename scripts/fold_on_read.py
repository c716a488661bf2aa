"""What folding a view on read costs a unit (docs/security.md): a list of cases that hold an H2 event.

``python scripts/fold_on_read.py [CASES]`` starts a private redis-server, records CASES hotline cases (a call
between Lao Cai station and Hekou, then Lao Cai's letter marked H2), writes their views as the projections
would, and times the read model's case list for an auditor (served as stored) and for Hekou's viewer (each
view folded from what Hekou may see), the first time and again.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from redis.asyncio import Redis

from liaison.report.examples import example
from services.hotline.domain import CaseState, decide, fold
from services.hotline.domain.commands import AnyCommand
from services.projections.rebuild import rebuild
from shared.access.principals import Principal
from shared.readmodel import queries
from shared.readmodel.schema import encode_view
from shared.redis_server import RedisServer
from shared.store import EventStore
from shared.store.keys import PartitionKeys

_command = msgspec.json.Decoder(AnyCommand).decode


async def _record(store: EventStore, cases: int) -> None:
    now = datetime.now(UTC)
    for i in range(cases):
        case_id = f"HL-FOLD{i:05d}"
        call = _command(msgspec.json.encode(example("LogCall") | {"case_id": case_id}))
        opened = decide(call, CaseState(case_id=case_id), now)
        await store.append(case_id, opened, 0)
        # Lao Cai station writes to Hekou about the call, for Vietnamese eyes only.
        letter = example("SendLetter") | {"case_id": case_id, "unit": "VN-LC-IBGS", "to_unit": "CN-HK-IBCS",
                                          "handling": "H2"}
        await store.append(case_id, decide(_command(msgspec.json.encode(letter)), fold(case_id, opened), now), 1)


async def main(cases: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder) / "redis").start()
        redis = Redis.from_url(server.url)
        try:
            store = await EventStore.create(redis, 16)
            await _record(store, cases)
            for case_id, view in (await rebuild(redis, store)).items():
                keys = PartitionKeys(store.partition_of(case_id))
                await redis.hset(keys.views, case_id, encode_view(view))
            readers = [("auditor", Principal("a", "CN-HH-BMT", "auditor"))] + [
                (f"Hekou's viewer, {when}", Principal("v", "CN-HK-IBCS", "viewer")) for when in ("first", "again")
            ]
            for who, reader in readers:
                started = time.perf_counter()
                found = await queries.list_raw(redis, store, viewer=reader)
                print(f"{who}: {len(found)} cases in {(time.perf_counter() - started) * 1000:.0f} ms")
        finally:
            await redis.aclose()
            server.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))

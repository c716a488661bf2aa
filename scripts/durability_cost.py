"""What ``LIAISON_DURABILITY=replica`` costs an append batch: `.venv/bin/python scripts/durability_cost.py [BATCHES]`.

Starts a master (AOF always, as ADR 0017) and a replica of it on loopback, then appends BATCHES batches of 50
one-event appends (the hotline's shape: one ``append_many`` per batch of reports) under ``local`` and under
``replica``, alternating, and prints the median and p99 milliseconds per batch of each. ADR 0024 cites it.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.redis_server import RedisServer
from shared.store import EventStore
from shared.store.durability import Durability
from shared.store.event_store import AppendRequest
from tests.contract.factory import calls

PER_BATCH = 50


async def measure(master: RedisServer, batches: int) -> dict[str, list[float]]:
    """Milliseconds of each batch, by durability."""
    redis: Any = Redis.from_url(master.url)
    store = await EventStore.create(redis, 16)
    for _ in range(200):  # until the replica is in sync: it acknowledges a write
        await redis.set("probe", "1")
        if await redis.execute_command("WAIT", 1, 100) >= 1:
            break
    took: dict[str, list[float]] = {"local": [], "replica": []}
    for b in range(batches):
        for level in ("local", "replica"):
            store.durability = Durability("replica" if level == "replica" else "local")
            requests = [AppendRequest(f"{level}-{b}-{i}", calls(f"{level}-{b}-{i}", 1, 1), 0)
                        for i in range(PER_BATCH)]
            started = time.perf_counter()
            await store.append_many(requests)
            took[level].append((time.perf_counter() - started) * 1000)
    await redis.aclose()
    return took


def main(batches: int) -> None:
    with tempfile.TemporaryDirectory() as base:
        master = RedisServer(Path(base) / "master", extra=["--repl-diskless-sync-delay", "0"]).start()
        replica = RedisServer(Path(base) / "replica", extra=["--replicaof", "127.0.0.1", str(master.port)]).start()
        try:
            took = asyncio.run(measure(master, batches))
        finally:
            replica.stop()
            master.stop()
    for level, ms in took.items():
        ms.sort()
        print(f"{level:8} median {statistics.median(ms):.2f} ms  p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms  "
              f"per batch of {PER_BATCH} appends ({batches} batches)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)

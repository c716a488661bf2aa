"""What one hotline process spends per report: `.venv/bin/python scripts/hotline_cost.py [CASES] [ROUNDS]`.

Queues `liaison bench`'s saturation traffic (CASES signed openers, then 3 waves of follow-up calls and letters,
16 partitions) on a private redis-server, and has two hotline `Processor`s take turns on batches of 100 intake
entries, as two hotline processes share a backlog (so each finds cases the other moved). Prints the CPU time
of this process per report, least and median (`time.process_time`: the hotline's own Python, without FastStream's batch
machinery and without Redis) and the wall time per batch, over ROUNDS fresh runs. Run it with another tree
first on `PYTHONPATH` to compare a change with its before on the same machine minutes apart
(docs/benchmarks.md cites its figures).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a tree given there is measured

from redis.asyncio import Redis

from liaison.bench import e2e, signing
from liaison.bench.workload import Reports
from services.hotline.config import HotlineConfig
from services.hotline.processor import Processor
from shared.logging import configure
from shared.redis_server import RedisServer
from shared.store import EventStore, keys, pipelined

PARTITIONS = 16
BATCH = 100


async def one_run(url: str, cases: int, seed: int) -> tuple[float, float, int]:
    """CPU seconds and wall seconds spent in ``process``, and the reports answered."""
    redis = Redis.from_url(url)
    try:
        await e2e._emptied(redis, PARTITIONS, skeleton=False)  # the bench's own set-up: store and key registry
        store = EventStore(redis, PARTITIONS)
        intake = keys.intake("hotline")
        await redis.xgroup_create(intake, "hotline", id="0", mkstream=True)
        reports = signing.signed(Reports(seed, f"cost{seed}").waves(cases, 4))
        await pipelined.checked(redis, [e2e._intake_entry(*r) for r in reports])
        config = HotlineConfig(redis_url=url, partitions=PARTITIONS, consumer="a")
        processors = [Processor(redis, store, config), Processor(redis, EventStore(redis, PARTITIONS), config)]
        cpu = wall = 0.0
        turn = 0
        while True:
            reply: Any = await redis.xreadgroup("hotline", f"c{turn % 2}", {intake: ">"}, count=BATCH)
            if not reply:
                break
            entries = list(reply[0][1])
            started, used = time.perf_counter(), time.process_time()
            await processors[turn % 2].process(entries)
            cpu += time.process_time() - used
            wall += time.perf_counter() - started
            turn += 1
        answered = sum(p.completed for p in processors)
        return cpu, wall, answered
    finally:
        await redis.aclose()


def main(cases: int, rounds: int) -> None:
    configure("hotline", json=True, level=logging.WARNING)  # as a service logs: accepted reports are debug lines
    with tempfile.TemporaryDirectory() as base:
        server = RedisServer(Path(base) / "redis").start()
        try:
            cpu_per, wall_per = [], []
            for seed in range(rounds):
                cpu, wall, answered = asyncio.run(one_run(server.url, cases, seed))
                cpu_per.append(cpu / answered * 1e6)
                wall_per.append(wall / answered * 1e6)
            # The least is the run the machine disturbed least (other tenants share its cores).
            print(f"{answered} reports per run, {rounds} runs: CPU per report µs least {min(cpu_per):.1f}, median"
                  f" {statistics.median(cpu_per):.1f} (runs {', '.join(f'{c:.0f}' for c in cpu_per)}); wall per"
                  f" report µs median {statistics.median(wall_per):.1f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 5)

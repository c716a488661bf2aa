"""Where a batch's time goes inside the services: `.venv/bin/python scripts/batch_timings.py [RATE] [SECONDS]`.

Runs `liaison bench`'s latency measurement (signed reports offered at RATE per second for SECONDS, 2 hotline and
1 projections process, 16 partitions, a private redis-server) with `scripts/timings/sitecustomize.py` on the
services' path: every step of every batch is timed inside the services, and each process's figures are
printed after they stop, under the end-to-end latency. docs/benchmarks.md cites its figures.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a tree given there is measured

from redis.asyncio import Redis

from liaison.bench import e2e
from liaison.bench.processes import Fleet
from shared.redis_server import RedisServer

HERE = Path(__file__).resolve().parent


async def run(url: str, workdir: Path, rate: int, seconds: float) -> None:
    redis = Redis.from_url(url)
    await e2e._emptied(redis, 16, skeleton=False)  # the bench's own set-up, reused as is
    fleet = Fleet(url, workdir, 2, 1, 16)
    fleet.start()
    try:
        result = await e2e.latency(redis, fleet, rate, seconds, 3)
    finally:
        fleet.stop()
        await redis.aclose()
    print(f"{result['reports']} reports at {result['offered_per_s']:,.0f}/s: p50 {result['p50_ms']:.1f} ms, p99"
          f" {result['p99_ms']:.1f} ms; intake -> log p50/p99 {result['intake_to_log_p50_ms']:.0f}/"
          f"{result['intake_to_log_p99_ms']:.0f} ms, log -> update {result['log_to_update_p50_ms']:.0f}/"
          f"{result['log_to_update_p99_ms']:.0f} ms")


def main(rate: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as base:
        prefix = Path(base) / "timings"
        os.environ["LIAISON_TIMINGS"] = str(prefix)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE / "timings"), os.environ.get("PYTHONPATH")]))
        server = RedisServer(Path(base) / "redis").start()
        try:
            asyncio.run(run(server.url, Path(base), rate, seconds))
        finally:
            server.stop()
        for found in sorted(Path(base).glob("timings.*")):
            print(found.read_text(encoding="utf-8"), end="")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, float(sys.argv[2]) if len(sys.argv) > 2 else 8.0)

"""What Redis runs per report: `.venv/bin/python scripts/redis_cost.py [CASES]`.

Drains `liaison bench`'s saturation traffic (CASES signed openers, then 3 waves of follow-ups; 2 hotline and
1 projections process, 16 partitions) on a private redis-server, with `INFO commandstats` reset just
before, and prints per report: each command's calls and microseconds (those a script runs are counted
under their own names too), then the services' and Redis's CPU. docs/benchmarks.md cites its figures.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a tree given there is measured

from redis.asyncio import Redis

from liaison.bench import e2e
from liaison.bench.processes import Fleet
from shared.redis_server import RedisServer


async def drain(url: str, workdir: Path, cases: int) -> None:
    redis = Redis.from_url(url)
    await e2e._emptied(redis, 16, skeleton=False)  # the bench's own set-up, reused as is
    fleet = Fleet(url, workdir, 2, 1, 16)
    fleet.start()
    try:
        await redis.config_resetstat()
        result = await e2e.saturation(redis, fleet, cases, 4, 7)
        stats: dict[str, Any] = await redis.info("commandstats")
    finally:
        fleet.stop()
        await redis.aclose()
    n = int(result["reports"])
    cpu = result["cpu_us_per_report"]
    print(f"{n} reports at {result['per_s']:,.0f}/s; CPU per report (µs): hotline {cpu['hotline']:.0f}, projections"
          f" {cpu['projections']:.0f}, Redis {result['redis_cpu_us_per_report']:.0f}")
    rows = sorted(((name.removeprefix("cmdstat_"), s["calls"], s["usec"]) for name, s in stats.items()),
                  key=lambda row: -row[2])
    calls_in_all, usec_in_all = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"commands per report {calls_in_all / n:.1f}, their µs per report {usec_in_all / n:.1f}")
    for name, calls, usec in rows[:14]:
        print(f"  {name:<22} {calls / n:6.2f} calls {usec / n:7.1f} µs per report"
              f"  {usec / max(calls, 1):6.1f} µs per call")


def main(cases: int) -> None:
    with tempfile.TemporaryDirectory() as base:
        server = RedisServer(Path(base) / "redis").start()
        try:
            asyncio.run(drain(server.url, Path(base), cases))
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

"""Measuring every path against raw Redis on a private, durable redis-server (``liaison bench``).

It starts its own redis-server (AOF, ``appendfsync always``, data in a temporary directory,
reached over a unix socket like the embedded Redis of ``liaison up``), measures, prints a
table (or, with ``--json``, one object with the keys ``append``, ``e2e``, ``replay``,
``memory`` and ``scaling``) and, in full mode, writes the generated part of
``docs/benchmarks.md``. Progress goes to standard error.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from liaison.bench import e2e, paths, report
from liaison.bench.workload import template_cases
from shared.redis_server import RedisServer

PARTITIONS = 16
"""The default of LIAISON_PARTITIONS, which ``liaison up`` uses."""

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"

HOPS = ("intake_to_log", "log_to_update")
"""Latency per hop at the offered rate (e2e.latency): where a report's time goes, on Redis's clock."""


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does."""

    append_events: int
    e2e_cases: int
    e2e_waves: int
    latency_rate: int
    latency_s: float
    points: tuple[int, ...]
    samples: int
    memory_baseline_events: int
    replay_processes: int
    hotline: int
    """Hotline processes: two drain faster than one on two cores (they batch more); measured in the doc."""
    projections: int
    """Projections processes: one; a second contends on the same cases (refused writes, gap fills)."""


FULL = Sizes(append_events=50_000, e2e_cases=4_000, e2e_waves=8, latency_rate=1000, latency_s=10.0,
             points=(10_000, 100_000, 1_000_000), samples=300, memory_baseline_events=100_000,
             replay_processes=2, hotline=2, projections=1)
QUICK = Sizes(append_events=2_000, e2e_cases=150, e2e_waves=3, latency_rate=1000, latency_s=0.5,
              points=(1_000, 2_000, 4_000), samples=20, memory_baseline_events=2_000,
              replay_processes=2, hotline=1, projections=1)


async def measure(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    """Every figure, on one private redis-server started (and stopped) here."""
    server = RedisServer(workdir / "redis", unix_socket=workdir / "redis.sock").start()
    redis = Redis.from_url(server.url)
    try:
        templates = template_cases(48, 10)
        report.say(f"append: {sizes.append_events:,} events through the store and as raw XADD")
        append = await paths.append(redis, PARTITIONS, templates, sizes.append_events)

        layout = e2e.Layout(sizes.hotline, sizes.projections)
        common: dict[str, Any] = {
            "cases": sizes.e2e_cases, "waves": sizes.e2e_waves, "rate": sizes.latency_rate,
            "seconds": sizes.latency_s, "seed": 11,
        }
        report.say(f"e2e: services, {sizes.latency_s:g} s at {sizes.latency_rate}/s, then "
                   f"{sizes.e2e_cases * sizes.e2e_waves:,} reports drained")
        real = await e2e.run(redis, server.url, workdir, PARTITIONS, layout, skeleton=False, **common)
        report.say("e2e: the same through the raw skeleton")
        raw = await e2e.run(redis, server.url, workdir, PARTITIONS, layout, skeleton=True, **common)

        report.say(f"memory: baseline of {sizes.memory_baseline_events:,} raw stream entries")
        baseline_bytes = await paths.memory_baseline(redis, templates, sizes.memory_baseline_events)
        await redis.flushall()
        empty: Any = await redis.info("memory")
        report.say(f"scaling: filling the log to {', '.join(f'{p:,}' for p in sizes.points)} events")
        store, scaling, _ = await paths.fill_and_scale(redis, PARTITIONS, templates, list(sizes.points),
                                                       sizes.samples)
        report.say(f"replay: verify and rebuild in {sizes.replay_processes} processes, and raw XRANGE")
        replayed, memory = await paths.replay(server.url, redis, store, sizes.replay_processes,
                                              int(empty["used_memory"]))
    finally:
        await redis.aclose()
        server.stop()
    memory["baseline_bytes_per_event"] = baseline_bytes
    memory["ratio"] = memory["bytes_per_event"] / baseline_bytes
    return {
        "append": append,
        "e2e": _e2e_figures(real, raw, layout),
        "replay": replayed,
        "memory": memory,
        "scaling": scaling,
    }


def _e2e_figures(real: dict[str, Any], raw: dict[str, Any], layout: e2e.Layout) -> dict[str, Any]:
    lat, sat, raw_lat, raw_sat = real["latency"], real["saturation"], raw["latency"], raw["saturation"]
    return {
        "saturation_per_s": sat["per_s"],
        "p50_ms": lat["p50_ms"],
        "p99_ms": lat["p99_ms"],
        "p999_ms": lat["p999_ms"],
        "baseline_saturation_per_s": raw_sat["per_s"],
        "baseline_p50_ms": raw_lat["p50_ms"],
        "baseline_p99_ms": raw_lat["p99_ms"],
        "baseline_p999_ms": raw_lat["p999_ms"],
        "offered_per_s": lat["offered_per_s"],
        "latency_reports": lat["reports"],
        "missing": lat["missing"],
        "reports": sat["reports"],
        "accepted": sat["accepted"],
        "cpu_us_per_report": sat["cpu_us_per_report"],
        "redis_cpu_us_per_report": sat["redis_cpu_us_per_report"],
        "baseline_cpu_us_per_report": raw_sat["cpu_us_per_report"],
        "baseline_redis_cpu_us_per_report": raw_sat["redis_cpu_us_per_report"],
        "processes": {"hotline": layout.hotline, "projections": layout.projections},
        "hops": {k: v for k, v in lat.items() if k.startswith(HOPS)},
        "baseline_hops": {k: v for k, v in raw_lat.items() if k.startswith(HOPS)},
        "signing": real["signing"],
    }


def run(*, quick: bool, as_json: bool, doc: Path | None) -> int:
    """Entry point of ``liaison bench``; ``doc``: where to write the generated section (None: nowhere)."""
    sizes = QUICK if quick else FULL
    workdir = Path(tempfile.mkdtemp(prefix="liaison-bench-"))
    started = time.monotonic()
    info = report.machine()
    try:
        result = asyncio.run(measure(sizes, workdir))
    except BaseException:
        print(f"bench: stopped; the services' logs are kept in {workdir}", file=sys.stderr)
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    report.say(f"done in {time.monotonic() - started:.0f} s")
    command = "liaison bench" + (" --quick" if quick else "") + (" --json" if as_json else "")
    report.emit(result, info, command=command, quick=quick, sizes=asdict(sizes), doc=doc, as_json=as_json,
                markdown=report.markdown, table=report.table)
    return 0

"""What the auditor's replay costs: `.venv/bin/python scripts/replay_cost.py [EVENTS] [ROUNDS] [options]`.

Starts its own redis-server (as ``liaison bench`` does: AOF, unix socket, a temporary directory), fills a log
of EVENTS events (default 200,000) of realistic hotline cases with the bench's own fill (one append per report,
16 partitions), then ROUNDS times (default 3), alternating: raw XRANGE of every partition log (redis-py, as
``liaison.bench.raw_read``) and the replay (``rebuild.replay``: every chain and numbering verified, every view
rebuilt), both in this one process. Prints per round, then the medians: events/s of each, their ratio, and the
replay's CPU µs per event (``time.process_time`` of this process; Redis's share is not in it).

One process on purpose: ``liaison bench`` deals the partitions over two processes, which on a shared two-core
machine measures the neighbours as much as the replay. Even so, CPU per event moves by ±15 % with the load:
say the load average (printed) beside the figures, and compare changes paired, in one run:

- ``--against FILE``: each round also replays with another copy of ``services/projections/rebuild.py``
  (``git show HEAD:services/projections/rebuild.py > /tmp/rebuild_before.py``) on the same log, so a
  change is measured against its before under the same load (the copy runs on today's ``shared``);
- ``--processes N``: the bench's own path instead, the replay dealt over N processes
  (``replay_in_processes``) against raw XRANGE in N processes (CPU per event is then not measured);
- ``--profile``: no raw reads, for py-spy:
  ``py-spy record -f raw -r 200 -o out.txt -- .venv/bin/python scripts/replay_cost.py 200000 5 --profile``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liaison.bench import fill as filling
from liaison.bench.paths import raw_xrange_in_processes
from liaison.bench.raw_read import read as raw_read
from liaison.bench.workload import cases, template_cases
from services.projections.rebuild import Replay, replay, replay_in_processes
from shared.redis_server import RedisServer
from shared.store import EventStore

PARTITIONS = 16
"""As ``liaison bench`` and ``liaison up``."""

Replayer = Callable[[EventStore], Awaitable[Replay]]


def _load(path: Path) -> Replayer:
    """The ``replay`` of another copy of rebuild.py, loaded under its own module name."""
    spec = importlib.util.spec_from_file_location("rebuild_against", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    replayer: Replayer = module.replay
    return replayer


async def _timed(url: str, store: EventStore, replayer: Replayer | None, processes: int) -> dict[str, float]:
    """One replay of the whole log: events/s and CPU µs per event of this process."""
    started, cpu = time.perf_counter(), time.process_time()
    if replayer is None:
        done = await replay_in_processes(url, PARTITIONS, processes)
    else:
        done = await replayer(store)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    if not done.audit.ok:
        raise RuntimeError(f"the log does not verify: {done.audit.breaches[:3]}")
    cpu_us = 0.0 if replayer is None else cpu_s / done.audit.events * 1e6
    return {"per_s": done.audit.events / seconds, "cpu_us": cpu_us}


async def measure(url: str, args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    """Fill the log once, then time raw XRANGE and each replay, ``args.rounds`` times, alternating."""
    redis = Redis.from_url(url)
    variants: dict[str, Replayer | None] = {"replay": None if args.processes else replay}
    if args.against is not None:
        variants["against"] = _load(args.against)
    results: dict[str, list[dict[str, float]]] = {"raw": [], **{name: [] for name in variants}}
    try:
        store = await EventStore.create(redis, PARTITIONS)
        filled = await filling.fill(store, cases(template_cases(48, 10), 0, args.events // 10 + 1, "rc"), args.events)
        _say(f"filled {filled:,} events")
        for round_ in range(args.rounds):
            if args.processes:
                results["raw"].append({"per_s": await raw_xrange_in_processes(url, PARTITIONS, args.processes)})
            elif not args.profile:
                started = time.perf_counter()
                read = await raw_read(url, list(range(PARTITIONS)))
                results["raw"].append({"per_s": read / (time.perf_counter() - started)})
            order = list(variants.items())
            for name, replayer in order[::-1] if round_ % 2 else order:  # the second of two runs faster
                results[name].append(await _timed(url, store, replayer, args.processes))
            _say("   ".join(f"{name} {rows[-1]['per_s']:9,.0f}/s {rows[-1].get('cpu_us', 0.0):6.2f} µs"
                           for name, rows in results.items() if rows))
        return results
    finally:
        await redis.aclose()


def _say(message: str) -> None:
    print(f"{message}   (load {' '.join(f'{x:.2f}' for x in os.getloadavg())})", file=sys.stderr, flush=True)


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="replay-cost-") as base:
        server = RedisServer(Path(base) / "redis", unix_socket=Path(base) / "redis.sock").start()
        try:
            results = asyncio.run(measure(server.url, args))
        finally:
            server.stop()
    raw = statistics.median(r["per_s"] for r in results.pop("raw")) if not args.profile else 0.0
    spread = f"in {args.processes} processes" if args.processes else "in 1 process"
    print(f"{args.events:,} events, median of {args.rounds} rounds {spread}; raw XRANGE {raw:,.0f} events/s")
    for name, rows in results.items():
        per_s = statistics.median(r["per_s"] for r in rows)
        cpu = statistics.median(r["cpu_us"] for r in rows)
        ratio = f"ratio {per_s / raw:.2f}" if raw else ""
        print(f"  {name}: {per_s:,.0f} events/s, {cpu:.2f} µs CPU/event (least {min(r['cpu_us'] for r in rows):.2f}) "
              f"{ratio}")
    print(f"  load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("events", type=int, nargs="?", default=200_000)
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--against", type=Path, help="another copy of rebuild.py, replayed in every round too")
    parser.add_argument("--processes", type=int, default=0, help="time replay_in_processes over N processes")
    parser.add_argument("--profile", action="store_true", help="no raw reads (for py-spy)")
    return parser.parse_args()


if __name__ == "__main__":
    main(_arguments())

"""Where the services' time goes while they drain a backlog: `.venv/bin/python scripts/profile_drain.py [CASES]`.

Runs `liaison bench`'s saturation drain (signed reports, one hotline and one projections process, 16
partitions, a private Redis) with py-spy (`pip install py-spy`; not a project dependency) sampling each
service process, then prints per process the share of busy samples in which each of the project's
functions (and the heaviest library leaves) appears. docs/benchmarks.md cites its output.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis

from liaison.bench import e2e
from liaison.bench.processes import Fleet
from shared.redis_server import RedisServer

OURS = ("services/", "shared/", "liaison/")


def summary(raw: Path, top: int = 28) -> str:
    """Inclusive share of busy samples per project function, and self share per library leaf."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any(idle in frames[-1] for idle in ("select (", "epoll", "_run_once", "poll (")):
            continue  # waiting, not working
        total += n
        seen = set()
        for frame in frames:
            if any(part in frame for part in OURS) and frame not in seen:
                seen.add(frame)
                inclusive[frame.split(" (")[0] + " (" + frame.split(" (")[1].split(":")[0].split("/main/")[-1]] += n
        leaves[frames[-1].split(" (")[0] + " (" + frames[-1].split("/")[-1]] += n
    lines = [f"{total} busy samples"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["  leaves:"] + [f"  {100 * n / total:5.1f}%  {name}" for name, n in leaves.most_common(12)]
    return "\n".join(lines)


async def drain(url: str, workdir: Path, cases: int) -> dict[str, Path]:
    redis = Redis.from_url(url)
    await e2e._emptied(redis, 16, skeleton=False)  # the bench's own set-up, reused as is
    fleet = Fleet(url, workdir, 1, 1, 16)
    fleet.start()
    outputs: dict[str, Path] = {}
    spies = []
    try:
        for role, process in fleet.processes:
            outputs[role] = workdir / f"{role}.raw"
            spies.append(subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
                ["py-spy", "record", "--pid", str(process.pid), "--format", "raw", "--rate", "200",
                 "--output", str(outputs[role]), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        await asyncio.sleep(1)
        result = await e2e.saturation(redis, fleet, cases, 4, 7)
        print(f"drained {result.get('reports')} reports at {result.get('reports_per_s')} reports/s", flush=True)
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        fleet.stop()
        await redis.aclose()
    return outputs


def main(cases: int) -> None:
    with tempfile.TemporaryDirectory() as base:
        server = RedisServer(Path(base) / "redis").start()
        try:
            outputs = asyncio.run(drain(server.url, Path(base), cases))
            for role, raw in outputs.items():
                print(f"== {role}")
                print(summary(raw))
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

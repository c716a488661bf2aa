"""``liaison bench --cluster``: end-to-end saturation on a 1-master and a 3-master Redis Cluster started here.

On each cluster (cluster-enabled redis-servers on loopback, AOF ``appendfsync always``, no replicas,
data in a temporary directory) the services, then the raw skeleton, drain the same backlog as
``liaison bench`` does (``e2e.drain``), pointed at it by ``LIAISON_REDIS_URL=redis+cluster://``.
Beside reports/s: what each master spent per report (``INFO cpu`` and ``commandstats`` of every
node), which partitions and hot keys it holds, and its memory at the end. Latency is not measured
here (``e2e.latency`` reads every partition in one ``XREAD``, which a cluster refuses).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from liaison.bench import cluster_report, e2e, report
from liaison.bench.measure import PARTITIONS
from shared.redis_client import client_of
from shared.redis_cluster import start_cluster, stop_all, url_of
from shared.redis_server import RedisServer
from shared.store import keys

TOPOLOGIES = (1, 3)
"""Masters of each cluster measured, in this order."""

REDIS_SETUP = "cluster mode, no replicas, AOF, appendfsync always, TCP on loopback"


@dataclass(frozen=True)
class Sizes:
    """How much each cluster's measurement does."""

    cases: int
    waves: int
    hotline: int
    """Hotline processes, as ``liaison bench`` runs them; the same on every cluster, so only the topology changes."""
    projections: int


FULL = Sizes(cases=4_000, waves=8, hotline=2, projections=1)
QUICK = Sizes(cases=100, waves=3, hotline=1, projections=1)


def _placement(redis: Redis, servers: list[RedisServer]) -> list[dict[str, Any]]:
    """Per server: its port, how many partitions' hash tags it serves, and which single hot keys (ADR 0021)."""
    cluster = cast(RedisCluster, redis)
    out: list[dict[str, Any]] = [{"port": s.port, "partitions": 0, "holds": []} for s in servers]
    at: dict[int, dict[str, Any]] = {s.port: row for s, row in zip(servers, out, strict=True)}

    def serving(key: str) -> dict[str, Any]:
        node = cluster.get_node_from_key(key)
        if node is None:
            raise RuntimeError(f"no master serves {key}'s slot")
        return at[int(node.port)]

    for p in range(PARTITIONS):
        serving(keys.PartitionKeys(p).log)["partitions"] += 1
    for name, key in (("intake", keys.intake("hotline")), ("outcomes", keys.OUTCOMES)):
        serving(key)["holds"].append(name)
    return out


async def _used_memory(servers: list[Redis]) -> list[int]:
    """Each server's ``used_memory`` now (bytes)."""
    infos: list[Any] = await asyncio.gather(*(s.info("memory") for s in servers))
    return [int(info["used_memory"]) for info in infos]


async def _measure(servers: list[RedisServer], sizes: Sizes, workdir: Path) -> dict[str, Any]:
    """The services' drain, then the skeleton's, on a running cluster."""
    url = url_of(servers)
    redis = client_of(url)
    nodes = [Redis(host="127.0.0.1", port=s.port) for s in servers]
    layout = e2e.Layout(sizes.hotline, sizes.projections)
    common: dict[str, Any] = {"cases": sizes.cases, "waves": sizes.waves, "servers": nodes}
    try:
        services = await e2e.drain(redis, url, workdir, PARTITIONS, layout, skeleton=False, seed=21, **common)
        memory = await _used_memory(nodes)  # before the skeleton's run empties the store
        skeleton = await e2e.drain(redis, url, workdir, PARTITIONS, layout, skeleton=True, seed=23, **common)
        placement = _placement(redis, servers)
    finally:
        await redis.aclose()
        for node in nodes:
            await node.aclose()
    for row, used in zip(placement, memory, strict=True):
        row["used_memory_mb"] = used / 1e6
    return {"masters": len(servers), "services": services, "skeleton": skeleton, "servers": placement,
            "processes": {"hotline": layout.hotline, "projections": layout.projections}}


def measure(sizes: Sizes, workdir: Path) -> list[dict[str, Any]]:
    """Each topology in turn, on its own cluster (started, measured, stopped)."""
    results = []
    for masters in TOPOLOGIES:
        here = workdir / f"masters-{masters}"
        here.mkdir()
        report.say(f"cluster of {masters} master(s): starting; then {sizes.cases * sizes.waves:,} reports drained by "
                   f"the services ({sizes.hotline} hotline, {sizes.projections} projections) and by the raw skeleton")
        servers = start_cluster(here / "redis", masters=masters)
        try:
            results.append(asyncio.run(_measure(servers, sizes, here)))
        finally:
            stop_all(servers)
    return results


def run(*, quick: bool, as_json: bool, doc: Path | None) -> int:
    """Entry point of ``liaison bench --cluster``; ``doc``: where to write the generated section (None: nowhere)."""
    sizes = QUICK if quick else FULL
    workdir = Path(tempfile.mkdtemp(prefix="liaison-bench-cluster-"))
    started = time.monotonic()
    info = report.machine(REDIS_SETUP)
    try:
        topologies = measure(sizes, workdir)
    except BaseException:
        print(f"bench: stopped; the services' logs are kept in {workdir}", file=sys.stderr)
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    report.say(f"done in {time.monotonic() - started:.0f} s")
    result = {"cluster": topologies, "partitions": PARTITIONS}
    command = "liaison bench --cluster" + (" --quick" if quick else "") + (" --json" if as_json else "")
    report.emit(result, info, command=command, quick=quick, sizes=asdict(sizes), doc=doc, as_json=as_json,
                markdown=cluster_report.markdown, table=cluster_report.table,
                markers=(cluster_report.BEGIN, cluster_report.END))
    return 0


"""End to end: report on the intake stream -> hotline -> log -> projections -> visible case update.

Two measurements, each on the real services (processes) and on the raw skeleton:

- latency: reports are offered at a fixed rate by a paced sender (every report due goes out
  in the next write, so a slow write is caught up, not skipped); a reader follows every
  partition's case-updates stream; a report's latency is from just before its XADD to the
  moment the reader sees the update carrying its case and version;
- saturation: then a backlog of reports is queued as fast as Redis takes them, far faster
  than they are processed; the rate is reports over the time from the first one queued to
  the last case update (both read from the entries' stream ids: Redis's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from liaison.bench import shards, signing
from liaison.bench.processes import Fleet
from liaison.bench.stats import percentile
from liaison.bench.workload import Reports
from shared.access.signatures import Registry
from shared.store import EventStore, keys, pipelined

LOAD_CHUNK = 2000
DRAIN_TIMEOUT_S = 600.0
POLL_S = 0.05


@dataclass(frozen=True)
class Layout:
    """How many processes of each service run."""

    hotline: int
    projections: int


def _ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _intake_entry(raw: bytes, case_id: str, version: int, signature: bytes) -> tuple[Any, ...]:
    # ``case`` and ``v`` are for the skeleton; the hotline service ignores fields it does not know.
    return ("XADD", keys.intake("hotline"), "*", "report", raw, "signature", signature, "case", case_id, "v",
            str(version))


class _Updates:
    """Follows every partition's case-updates stream; remembers when each (case, version) was seen."""

    def __init__(self, redis: Redis, partitions: int) -> None:
        self.redis = redis
        self.positions = {keys.PartitionKeys(p).updates: "$" for p in range(partitions)}
        self.seen: dict[tuple[bytes, bytes], float] = {}
        self.stamped: dict[tuple[bytes, bytes], int] = {}
        """Redis's clock (ms, from the update's stream id) when each (case, version) update was written."""
        self.stopping = False

    async def start(self) -> None:
        for stream in self.positions:
            last: Any = await self.redis.xrevrange(stream, "+", "-", count=1)
            self.positions[stream] = last[0][0].decode() if last else "0-0"

    async def run(self) -> None:
        while not self.stopping:
            reply: Any = await self.redis.xread(self.positions, count=1000, block=100)  # type: ignore[arg-type]
            now = time.perf_counter()
            for stream, entries in reply or []:
                for entry_id, fields in entries:
                    self.seen.setdefault((fields[b"case_id"], fields[b"version"]), now)
                    self.stamped.setdefault((fields[b"case_id"], fields[b"version"]), _ms(entry_id))
                self.positions[stream.decode()] = entries[-1][0].decode()


async def _wait(condition: Any, fleet: Fleet, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not await condition():
        fleet.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {within_s:.0f} s")
        await asyncio.sleep(POLL_S)


async def _projected(redis: Redis, partitions: int) -> bool:
    """True when every partition log has been delivered to and acknowledged by the projections group."""
    async with redis.pipeline(transaction=False) as pipe:
        for p in range(partitions):
            pipe.xinfo_groups(keys.PartitionKeys(p).log)
        replies = await pipe.execute(raise_on_error=False)
    for groups in replies:
        if isinstance(groups, Exception):
            return False
        found = [g for g in groups if g["name"] in (b"projections", "projections")]
        if not found or found[0]["pending"] or found[0].get("lag"):
            return False
    return True


async def _outcomes_written(redis: Redis) -> int:
    """Outcomes ever added to the stream (not XLEN: the stream is capped, ADR 0007)."""
    try:
        info: Any = await redis.xinfo_stream(keys.OUTCOMES)
    except ResponseError:
        return 0  # no outcome yet
    return int(info["entries-added"])


async def saturation(
    redis: Redis, fleet: Fleet, cases: int, waves: int, seed: int, servers: Sequence[Redis] = (),
) -> dict[str, Any]:
    """Queue ``cases * waves`` reports as fast as Redis takes them (far faster than they are processed)
    on the running fleet, and time them from the first one queued to the last case update.

    ``servers``: a client of each server whose work is counted (every master of a cluster, whose
    ``INFO`` a cluster client would ask of one node only); by default, ``redis``'s one server."""
    servers = list(servers) or [redis]
    reports = signing.signed(Reports(seed, f"sat{seed}{'s' if fleet.skeleton else 'r'}").waves(cases, waves))
    before: Any = await redis.xrevrange(keys.OUTCOMES, "+", "-", count=1)
    after = before[0][0].decode() if before else "0-0"
    outcomes_before = await _outcomes_written(redis)
    used_before, fleet_cpu = await shards.uses(servers), fleet.cpu_seconds()
    first_id: Any = None
    for start in range(0, len(reports), LOAD_CHUNK):
        chunk = reports[start : start + LOAD_CHUNK]
        ids = await pipelined.checked(redis, [_intake_entry(*r) for r in chunk])
        first_id = first_id or ids[0]

    async def drained() -> bool:
        answered = await _outcomes_written(redis) - outcomes_before
        return answered >= len(reports) and await _projected(redis, fleet.partitions)

    await _wait(drained, fleet, DRAIN_TIMEOUT_S, f"the drain of {len(reports)} reports")
    per_server = shards.per_report(used_before, await shards.uses(servers), len(reports))
    used = fleet.cpu_seconds()
    lasts = []
    for p in range(fleet.partitions):
        last: Any = await redis.xrevrange(keys.PartitionKeys(p).updates, "+", "-", count=1)
        if last:
            lasts.append(_ms(last[0][0]))
    elapsed_ms = max(max(lasts) - _ms(first_id), 1)
    accepted = await _accepted(redis, after) if not fleet.skeleton else len(reports)
    cpu_us = {role: round((used[role] - fleet_cpu.get(role, 0.0)) / len(reports) * 1e6, 1) for role in used}
    return {"reports": len(reports), "accepted": accepted, "per_s": len(reports) / (elapsed_ms / 1000),
            "cpu_us_per_report": cpu_us,
            "redis_cpu_us_per_report": sum(s["cpu_us_per_report"] for s in per_server), "servers": per_server}


class _Status(msgspec.Struct):
    status: str


_status = msgspec.json.Decoder(_Status)


async def _accepted(redis: Redis, after: str) -> int:
    """Outcomes after ``after`` that say accepted."""
    count, start = 0, f"({after}"
    while True:
        entries: Any = await redis.xrange(keys.OUTCOMES, start, "+", count=5000)
        count += sum(1 for _, fields in entries if _status.decode(fields[b"outcome"]).status == "accepted")
        if len(entries) < 5000:
            return count
        start = f"({entries[-1][0].decode()}"


class _Head(msgspec.Struct):
    case_id: str
    case_version: int


_head = msgspec.json.Decoder(_Head)


async def _logged(redis: Redis, partitions: int) -> dict[tuple[bytes, bytes], int]:
    """Redis's clock (ms, from the log entry's id) when each (case, version) was appended to its partition log.

    The e2e store is emptied before each run, so the logs hold only this run's events (the skeleton
    writes ``case`` and ``v`` beside the report; the services, the event's canonical JSON)."""
    logged: dict[tuple[bytes, bytes], int] = {}
    for p in range(partitions):
        start = "-"
        while True:
            entries: Any = await redis.xrange(keys.PartitionKeys(p).log, start, "+", count=LOAD_CHUNK)
            for entry_id, fields in entries:
                if b"case" in fields:
                    key = (fields[b"case"], fields[b"v"])
                else:
                    head = _head.decode(fields[b"e"])
                    key = (head.case_id.encode(), str(head.case_version).encode())
                logged.setdefault(key, _ms(entry_id))
            if len(entries) < LOAD_CHUNK:
                break
            start = f"({entries[-1][0].decode()}"
    return logged


def _hops(
    wanted: list[tuple[bytes, bytes]], queued: list[int], logged: dict[tuple[bytes, bytes], int],
    stamped: dict[tuple[bytes, bytes], int],
) -> dict[str, float]:
    """Percentiles of each hop on Redis's clock: intake entry -> log entry (hotline), log entry -> case update
    (projections). Millisecond resolution: the stream ids carry milliseconds."""
    to_log = sorted(float(logged[w] - q) for w, q in zip(wanted, queued, strict=True) if w in logged)
    to_update = sorted(float(stamped[w] - logged[w]) for w in wanted if w in logged and w in stamped)
    return {
        "intake_to_log_p50_ms": percentile(to_log, 50), "intake_to_log_p99_ms": percentile(to_log, 99),
        "log_to_update_p50_ms": percentile(to_update, 50), "log_to_update_p99_ms": percentile(to_update, 99),
    }


async def latency(redis: Redis, fleet: Fleet, rate: int, seconds: float, seed: int) -> dict[str, Any]:
    """Offer ``rate`` reports/s for ``seconds`` to the running fleet; latency to each visible update."""
    waves = max(1, round(seconds))
    reports = signing.signed(
        Reports(seed, f"lat{seed}{'s' if fleet.skeleton else 'r'}").waves(rate, waves)[: int(rate * seconds)]
    )
    updates = _Updates(redis, fleet.partitions)
    await updates.start()
    reader = asyncio.create_task(updates.run())
    sent: list[float] = [0.0] * len(reports)
    queued: list[int] = [0] * len(reports)
    """Redis's clock (ms, from the intake entry's id) when each report was queued."""
    try:
        started = time.perf_counter()
        i = 0
        while i < len(reports):
            # Every report due by now goes in one write; if a write was slow, the next one catches up.
            now = time.perf_counter()
            due = min(len(reports), int((now - started) * rate) + 1)
            if due <= i:
                await asyncio.sleep(started + i / rate - now)
                continue
            for j in range(i, due):
                sent[j] = time.perf_counter()
            ids = await pipelined.checked(redis, [_intake_entry(*reports[j]) for j in range(i, due)])
            queued[i:due] = [_ms(entry_id) for entry_id in ids]
            i = due
        wanted = [(case_id.encode(), str(version).encode()) for _, case_id, version, _ in reports]

        async def all_seen() -> bool:
            return all(w in updates.seen for w in wanted)

        with contextlib.suppress(TimeoutError):  # what was not seen is reported as missing
            await _wait(all_seen, fleet, 30.0, "the last case updates")
    finally:
        updates.stopping = True
        await reader
    seen = [updates.seen.get(w) for w in wanted]
    latencies = sorted((s - t) * 1000 for s, t in zip(seen, sent, strict=True) if s is not None)
    offered = len(reports) / (sent[-1] - sent[0]) if len(sent) > 1 and sent[-1] > sent[0] else float(rate)
    logged = await _logged(redis, fleet.partitions)
    hops = _hops(wanted, queued, logged, updates.stamped)
    return {
        **hops,
        "offered_per_s": offered,
        "reports": len(reports),
        "missing": len(reports) - len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "p999_ms": percentile(latencies, 99.9),
        "max_ms": latencies[-1] if latencies else 0.0,
    }


async def _emptied(redis: Redis, partitions: int, *, skeleton: bool) -> Registry | None:
    """An empty store (every master's, on a cluster) holding this run's keys; the registry the intakes read."""
    await redis.flushall()
    store = await EventStore.create(redis, partitions)
    return None if skeleton else await signing.register(store)  # the skeleton reads no registry, checks nothing


async def drain(
    redis: Redis, url: str, workdir: Path, partitions: int, layout: Layout, *, skeleton: bool,
    cases: int, waves: int, seed: int, servers: Sequence[Redis],
) -> dict[str, Any]:
    """On an empty store and a fresh fleet: saturation alone. What a Redis Cluster runs: ``latency``'s reader
    follows every partition's updates in one ``XREAD``, which a cluster refuses (the keys are in many slots)."""
    await _emptied(redis, partitions, skeleton=skeleton)
    fleet = Fleet(url, workdir, layout.hotline, layout.projections, partitions, skeleton=skeleton)
    fleet.start()
    try:
        return await saturation(redis, fleet, cases, waves, seed, servers)
    finally:
        fleet.stop()


async def run(
    redis: Redis, url: str, workdir: Path, partitions: int, layout: Layout, *, skeleton: bool,
    cases: int, waves: int, rate: int, seconds: float, seed: int,
) -> dict[str, Any]:
    """On an empty store and a fresh fleet: latency at a fixed rate, then saturation (a backlog drained)."""
    registry = await _emptied(redis, partitions, skeleton=skeleton)
    fleet = Fleet(url, workdir, layout.hotline, layout.projections, partitions, skeleton=skeleton)
    fleet.start()
    try:
        timed = await latency(redis, fleet, rate, seconds, seed)
        drained = await saturation(redis, fleet, cases, waves, seed + 1)
    finally:
        fleet.stop()
    result = {"latency": timed, "saturation": drained}
    if registry is not None:
        result["signing"] = signing.cost(registry, [raw for raw, *_ in Reports(seed, "cost").waves(cases, 1)])
    return result

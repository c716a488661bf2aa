"""The single-path measurements: appends, scaling with the log's size, memory, and the auditor's replay.

Each figure is taken next to a raw-Redis baseline on the same server in the same run.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

from redis.asyncio import Redis

from liaison.bench import fill as filling
from liaison.bench.stats import percentile
from liaison.bench.workload import Clone, cases
from services.projections.rebuild import replay_in_processes
from shared.events import AnyEvent, encode_event
from shared.readmodel.schema import encode_view
from shared.store import EventStore, keys
from shared.store.chain import GENESIS
from shared.store.port import EventStorePort

FAKE_HASH = "f" * 64
"""Stands in for a chain hash in raw baseline entries (same length, so the same size)."""

RAW_CHUNK = 2000

SCRATCH = "bench:scratch"
"""A stream of the bench's own private Redis for raw baselines: never a key of the store (it would
break the audit of the store's log). Liaison's own keys all come from shared.store.keys."""


def _raw_entries(clones: list[Clone], partitions: int) -> list[tuple[str, dict[Any, Any]]]:
    """The log entries the appends will write, as plain XADD arguments (same fields, same sizes)."""
    entries = []
    n = 0
    for clone in clones:
        log = keys.PartitionKeys(keys.partition_of(clone.case_id, partitions)).log
        for event in clone.events:
            n += 1
            entries.append((log, {"n": str(n), "prev": FAKE_HASH, "hash": FAKE_HASH, "e": encode_event(event)}))
    return entries


async def _raw_xadd(redis: Redis, entries: list[tuple[str, dict[Any, Any]]], batch: int, in_flight: int) -> float:
    """Seconds to XADD every entry with redis-py's own pipeline, ``in_flight`` pipelines at a time."""
    gate = asyncio.Semaphore(in_flight)

    async def one(chunk: list[tuple[str, dict[Any, Any]]]) -> None:
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for stream, fields in chunk:
                    pipe.xadd(stream, fields)
                await pipe.execute()
        finally:
            gate.release()

    started = time.perf_counter()
    tasks = []
    for start in range(0, len(entries), batch):
        await gate.acquire()
        tasks.append(asyncio.create_task(one(entries[start : start + batch])))
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


async def append(redis: Redis, partitions: int, templates: list[list[AnyEvent]], events: int) -> dict[str, Any]:
    """Appends through the store (one per report, pipelined with append_many) against raw pipelined XADD."""
    clones = list(cases(templates, 0, max(1, events // 10), "ap"))
    entries = _raw_entries(clones, partitions)
    await redis.flushall()
    baseline_s = await _raw_xadd(redis, entries, filling.BATCH_EVENTS, filling.IN_FLIGHT)
    await redis.flushall()
    store = await EventStore.create(redis, partitions)
    started = time.perf_counter()
    appended = await filling.fill(store, iter(clones), len(entries))
    elapsed = time.perf_counter() - started
    events_per_s = appended / elapsed
    baseline_per_s = len(entries) / baseline_s
    return {
        "events_per_s": events_per_s,
        "baseline_per_s": baseline_per_s,
        "ratio": events_per_s / baseline_per_s,
        "events": appended,
        "appends": sum(len(filling.requests_of(c)) for c in clones),
    }


async def _timed(action: Any, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


async def sample(redis: Redis, store: EventStorePort, templates: list[list[AnyEvent]], filled: list[str], samples: int,
                 probe: int) -> dict[str, Any]:
    """Latency of one append (a new case, one event) and of reading one filled case, with raw baselines."""
    rng = random.Random(probe)
    probes = iter(cases(templates, 10_000_000 + probe * samples, samples, "pr"))

    async def one_append() -> None:
        clone = next(probes)
        await store.append(clone.case_id, clone.events[:1], 0, command_id=f"probe-{clone.case_id}",
                           head_hash=GENESIS)

    async def one_read() -> None:
        await store.read_case(rng.choice(filled))

    payload: dict[Any, Any] = {"n": "1", "prev": FAKE_HASH, "hash": FAKE_HASH, "e": encode_event(templates[0][0])}
    raw_log = keys.PartitionKeys(0).log
    info: Any = await redis.xinfo_stream(raw_log)
    first, last = info["first-entry"][0].decode(), info["last-entry"][0].decode()

    async def raw_append() -> None:
        await redis.xadd(SCRATCH, payload)

    async def raw_read() -> None:
        # Ten consecutive entries from a random place in the log: what one case's read returns.
        lo, hi = int(first.split("-")[0]), int(last.split("-")[0])
        await redis.xrange(raw_log, str(rng.randint(lo, hi)), "+", count=10)

    appends, reads = await _timed(one_append, samples), await _timed(one_read, samples)
    raw_appends, raw_reads = await _timed(raw_append, samples), await _timed(raw_read, samples)
    return {
        "append_p50_ms": percentile(appends, 50), "append_p99_ms": percentile(appends, 99),
        "read_case_p50_ms": percentile(reads, 50), "read_case_p99_ms": percentile(reads, 99),
        "baseline_append_p50_ms": percentile(raw_appends, 50), "baseline_read_p50_ms": percentile(raw_reads, 50),
    }


async def fill_and_scale(
    redis: Redis, partitions: int, templates: list[list[AnyEvent]], points: list[int], samples: int
) -> tuple[EventStore, dict[str, Any], int]:
    """Fill an empty store to each size in ``points`` (events), sampling latencies at each; returns
    the store, the scaling figures, and the events the fill itself appended."""
    await redis.flushall()
    store = await EventStore.create(redis, partitions)
    stream: Iterator[Clone] = cases(templates, 0, points[-1] // 10 + 1, "fl")
    filled: list[str] = []
    appended = 0
    fill_s = 0.0
    results = []

    def remembered() -> Iterator[Clone]:
        for clone in stream:
            filled.append(clone.case_id)
            yield clone

    source = remembered()
    for i, point in enumerate(points):
        started = time.perf_counter()
        appended += await filling.fill(store, source, point - appended)
        fill_s += time.perf_counter() - started
        results.append({"events": appended, **await sample(redis, store, templates, filled, samples, i)})
    first, last = results[0], results[-1]
    figures = {
        "points": results,
        "append_growth": last["append_p50_ms"] / first["append_p50_ms"],
        "read_growth": last["read_case_p50_ms"] / first["read_case_p50_ms"],
        "fill_per_s": appended / fill_s,
    }
    return store, figures, appended


async def _used_memory(redis: Redis) -> int:
    info: Any = await redis.info("memory")
    return int(info["used_memory"])


async def memory_baseline(redis: Redis, templates: list[list[AnyEvent]], events: int) -> float:
    """Bytes per entry of a plain stream holding the same events' JSON (one field), on an empty Redis."""
    await redis.flushall()
    before = await _used_memory(redis)
    clones = list(cases(templates, 0, max(1, events // 10), "mb"))
    data = [encode_event(e) for c in clones for e in c.events]
    for start in range(0, len(data), RAW_CHUNK):
        async with redis.pipeline(transaction=False) as pipe:
            for raw in data[start : start + RAW_CHUNK]:
                pipe.xadd(SCRATCH, {"e": raw})
            await pipe.execute()
    used = await _used_memory(redis) - before
    await redis.flushall()
    return used / len(data)


async def replay(url: str, redis: Redis, store: EventStore, processes: int, empty_bytes: int) -> tuple[
    dict[str, Any], dict[str, Any]
]:
    """The auditor's replay (chains verified, every view rebuilt) against raw XRANGE of the same log, both
    spread over the same number of processes; then the rebuilt views are stored as the live views and
    Redis's memory per event is read (log, indexes and views)."""
    baseline = await raw_xrange_in_processes(url, store.partitions, processes)
    done = await replay_in_processes(url, store.partitions, processes)
    if not done.audit.ok:
        raise RuntimeError(f"the bench's own log does not verify: {done.audit.breaches[:3]}")
    per_s = done.audit.events / done.elapsed
    figures = {
        "events_per_s": per_s,
        "baseline_per_s": baseline,
        "ratio": per_s / baseline,
        "events": done.audit.events,
        "cases": len(done.views),
        "processes": processes,
    }
    # The views as the worker writes them (rebuild and worker give byte-identical views), with the
    # version its write script compares.
    items = list(done.views.items())
    for start in range(0, len(items), RAW_CHUNK):
        async with redis.pipeline(transaction=False) as pipe:
            for case_id, view in items[start : start + RAW_CHUNK]:
                k = store.keys(store.partition_of(case_id))
                pipe.hset(k.views, case_id, encode_view(view))
                pipe.hset(k.view_versions, case_id, str(view.version))
            await pipe.execute()
    await redis.delete(SCRATCH)
    used = await _used_memory(redis) - empty_bytes
    memory = {"bytes_per_event": used / done.audit.events, "events": done.audit.events, "cases": len(done.views),
              "used_bytes": used}
    return figures, memory


async def raw_xrange_in_processes(url: str, partitions: int, processes: int) -> float:
    """Entries per second read by redis-py's XRANGE over every partition log, in ``processes`` processes."""
    started = time.perf_counter()
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "liaison.bench.raw_read", url,
            ",".join(str(p) for p in range(i, partitions, processes)),
            stdout=asyncio.subprocess.PIPE,
        )
        for i in range(processes)
    ]
    outputs = await asyncio.gather(*(child.communicate() for child in children))
    total = sum(int(out.decode().strip() or 0) for out, _ in outputs)
    return total / (time.perf_counter() - started)

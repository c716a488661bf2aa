"""``liaison replay``: the auditor's replay — verify every chain, rebuild every view and diff it.

The log is read once, dealt over one process per core (as ``liaison bench`` measures it):
each chunk is verified, then folded. With ``--as-of T`` the fold stops, for each case, at
its last event recorded at or before T, and the cases are printed as they stood then.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime
from typing import Any

import msgspec
from redis.asyncio import Redis

from liaison import exits
from liaison.audit.progress import ProgressBar
from liaison.connect import open_redis, open_store, redis_url
from services.projections.queries import backlog
from services.projections.rebuild import Difference, Replay, compare, live_views, replay_in_processes
from services.projections.rebuild import replay as replay_here
from shared.store import EventStore
from shared.store.audit import AuditReport, Progress
from shared.store.port import EventStorePort


def processes_for(partitions: int) -> int:
    """One replay process per core, never more than there are partitions."""
    return max(1, min(os.cpu_count() or 1, partitions))


async def total_events(store: EventStore) -> int:
    """The events the append script has numbered over every partition (the progress bar's 100%)."""
    return sum([await store.numbered(p) for p in range(store.partitions)])


async def run_replay(
    store: EventStore, progress: Progress | None, *, views: bool, until: datetime | None = None
) -> Replay:
    """Verify (and fold) the whole log, in several processes when there are cores for it."""
    processes = processes_for(store.partitions)
    if processes == 1:
        return await replay_here(store, progress=progress, until=until, views=views)
    try:
        return await replay_in_processes(
            redis_url(), store.partitions, processes, progress=progress, until=until, views=views
        )
    except RuntimeError as error:  # a replay process could not read the log (Redis went away, ...)
        raise exits.CliError(f"replay: {error}".rstrip()) from error


async def replay_with_progress(
    store: EventStore, as_json: bool, *, views: bool, until: datetime | None = None
) -> Replay:
    """``run_replay`` with a progress display on standard error (none for --json)."""
    bar = None if as_json else ProgressBar("replay", await total_events(store))
    try:
        return await run_replay(store, bar, views=views, until=until)
    finally:
        if bar is not None:
            bar.close()


def summary(audit: AuditReport, elapsed: float) -> dict[str, Any]:
    """What the replay read and how fast: the figures an auditor writes down."""
    return {
        "events": audit.events,
        "cases": audit.cases,
        "partitions": audit.partitions,
        "digest": audit.digest,
        "elapsed": round(elapsed, 3),
        "events_per_s": round(audit.events / elapsed) if elapsed > 0 else 0,
        "processes": processes_for(audit.partitions),
    }


def verification(audit: AuditReport) -> dict[str, Any]:
    """The verification for --json: counts and breaches (every case's head is in the audit report instead)."""
    return {
        "ok": audit.ok,
        "events": audit.events,
        "cases": audit.cases,
        "partitions": audit.partitions,
        "digest": audit.digest,
        "counts": msgspec.to_builtins(audit.counts),
        "breaches": msgspec.to_builtins(audit.breaches),
    }


async def replay(check_chains: bool, rebuild: bool, as_json: bool) -> int:
    """Verify and rebuild in one pass; exit 3 on tampering, 1 on differing views, else 0."""
    client = await open_redis()
    try:
        store = await open_store(client)
        live: dict[str, bytes] = {}
        if rebuild:
            await _let_projections_catch_up(client, store, as_json)
            live = await live_views(client, store)  # read before the log: see rebuild.diff
        done = await replay_with_progress(store, as_json, views=rebuild)
    finally:
        await client.aclose()
    started = time.perf_counter()
    differences = compare(live, done.views) if rebuild else []
    compared = time.perf_counter() - started
    code = exits.TAMPERED if done.audit.breaches else exits.REJECTED if differences else exits.OK
    result: dict[str, Any] = {"summary": summary(done.audit, done.elapsed)}
    if check_chains or done.audit.breaches:
        result["verify"] = verification(done.audit)
    if rebuild:
        result["rebuild"] = {
            "differences": msgspec.to_builtins(differences), "elapsed": round(done.elapsed + compared, 3)
        }
    if as_json:
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
        return code
    print_summary(done.audit, done.elapsed)
    print_breaches(done.audit)
    if rebuild:
        _print_diff(differences, done.elapsed + compared)
    return code


CATCH_UP_S = 15.0


async def _let_projections_catch_up(redis: Redis, store: EventStorePort, as_json: bool) -> None:
    """Wait (bounded) until the projections have applied every log entry, so a live view that is
    merely behind a busy worker is not reported as a difference."""
    deadline = time.monotonic() + CATCH_UP_S
    while (left := await backlog(redis, store)) > 0:
        if time.monotonic() > deadline:
            if not as_json:
                print(f"note: the projections still have {left} log entries to apply; those cases will differ")
            return
        await asyncio.sleep(0.2)


def print_summary(audit: AuditReport, elapsed: float) -> None:
    """The replay's figures for people."""
    rate = audit.events / elapsed if elapsed > 0 else 0.0
    print(
        f"verified {audit.events} events in {audit.cases} cases over {audit.partitions} partitions "
        f"in {elapsed:.2f} s ({rate:,.0f} events/s, {processes_for(audit.partitions)} process(es))"
    )
    print(f"  chain heads digest: {audit.digest}")


def print_breaches(audit: AuditReport) -> None:
    """Every breach found, or the statement that there is none."""
    if not audit.breaches:
        print("  every chain and every partition's numbering verifies: nothing altered or removed")
        return
    print(f"  TAMPERING: {len(audit.breaches)} place(s) where the evidence breaks:")
    for breach in audit.breaches:
        print(f"    {breach}")


def _print_diff(differences: list[Difference], elapsed: float) -> None:
    if not differences:
        print(f"rebuilt every view from the log in {elapsed:.2f} s: 0 differences from the live views")
        return
    print(f"rebuilt every view from the log in {elapsed:.2f} s: {len(differences)} case(s) differ")
    for difference in differences:
        fields = ", ".join(f.field for f in difference.fields)
        print(f"    {difference.case_id}: {difference.problem}" + (f" ({fields})" if fields else ""))

"""``liaison replay``: the auditor's replay — verify every chain, rebuild every view and diff it."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import msgspec

from liaison import exits
from liaison.connect import open_redis, open_store
from services.projections.queries import backlog
from services.projections.rebuild import diff
from shared.store.audit import verify


async def replay(check_chains: bool, rebuild: bool, as_json: bool) -> int:
    """Run the checks asked for; exit 3 on tampering, 1 on differing views, else 0."""
    client = await open_redis()
    result: dict[str, Any] = {}
    code = exits.OK
    try:
        store = await open_store(client)
        if check_chains:
            report = await verify(store)
            result["verify"] = msgspec.to_builtins(report)
            if report.breaches:
                code = exits.TAMPERED
            if not as_json:
                _print_verify(report)
        if rebuild:
            await _let_projections_catch_up(store, as_json)
            started = time.perf_counter()
            differences = await diff(store)
            elapsed = time.perf_counter() - started
            result["rebuild"] = {"differences": msgspec.to_builtins(differences), "elapsed": round(elapsed, 3)}
            if differences and code == exits.OK:
                code = exits.REJECTED
            if not as_json:
                _print_diff(differences, elapsed)
    finally:
        await client.aclose()
    if as_json:
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    return code


CATCH_UP_S = 15.0


async def _let_projections_catch_up(store: Any, as_json: bool) -> None:
    """Wait (bounded) until the projections have applied every log entry, so a live view that is
    merely behind a busy worker is not reported as a difference."""
    deadline = time.monotonic() + CATCH_UP_S
    while (left := await backlog(store)) > 0:
        if time.monotonic() > deadline:
            if not as_json:
                print(f"note: the projections still have {left} log entries to apply; those cases will differ")
            return
        await asyncio.sleep(0.2)


def _print_verify(report: Any) -> None:
    rate = report.events / report.elapsed if report.elapsed > 0 else 0.0
    print(
        f"verified {report.events} events in {report.cases} cases over {report.partitions} partitions "
        f"in {report.elapsed:.2f} s ({rate:,.0f} events/s)"
    )
    print(f"  chain heads digest: {report.digest}")
    if not report.breaches:
        print("  every chain and every partition's numbering verifies: nothing altered or removed")
        return
    print(f"  TAMPERING: {len(report.breaches)} place(s) where the evidence breaks:")
    for breach in report.breaches:
        print(f"    {breach}")


def _print_diff(differences: list[Any], elapsed: float) -> None:
    if not differences:
        print(f"rebuilt every view from the log in {elapsed:.2f} s: 0 differences from the live views")
        return
    print(f"rebuilt every view from the log in {elapsed:.2f} s: {len(differences)} case(s) differ")
    for difference in differences:
        fields = ", ".join(f.field for f in difference.fields)
        print(f"    {difference.case_id}: {difference.problem}" + (f" ({fields})" if fields else ""))

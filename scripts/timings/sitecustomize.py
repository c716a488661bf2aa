"""Per-step wall times inside the services, for `scripts/batch_timings.py` (imported by Python at start-up).

Only when ``LIAISON_TIMINGS`` names a file prefix and the process is a hotline or projections service: each
step of a batch is wrapped with a timer, and at exit the process writes count, mean, p50, p99 and total per
step to ``<prefix>.<role>.<pid>``. Not used by the services otherwise (it is not on their path).
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

TIMES: collections.defaultdict[str, list[float]] = collections.defaultdict(list)


def _timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` (a coroutine function or a plain one) with a timed copy."""
    original: Callable[..., Any] = getattr(owner, name)
    if asyncio.iscoroutinefunction(original):
        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                TIMES[label].append(time.perf_counter() - started)
        setattr(owner, name, timed_async)
    else:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                TIMES[label].append(time.perf_counter() - started)
        setattr(owner, name, timed)


def _hotline() -> None:
    import services.hotline.cases as cases
    import services.hotline.processor as processor
    import shared.intake.batch_io as batch_io
    import shared.intake.pipeline as pipeline
    import shared.store.event_store as event_store

    _timed(pipeline.Pipeline, "process", "batch")
    _timed(pipeline.Pipeline, "_signed", "signatures")
    _timed(batch_io, "lookup", "lookup round trip")
    _timed(processor.Processor, "decide", "decide (all rounds)")
    _timed(cases.CaseCache, "load_many", "case states")
    _timed(event_store.EventStore, "append_many", "appends round trip")
    _timed(pipeline.Pipeline, "_publish", "outcomes round trip")


def _projections() -> None:
    import services.projections.projector as projector
    import services.projections.view_store as view_store
    import shared.follow.follower as follower
    import shared.follow.leases as leases

    _timed(projector.Projector, "handle", "batch")
    _timed(view_store.ViewStore, "write", "view write round trip")
    _timed(view_store.ViewStore, "stored", "stored views round trip")
    _timed(follower.Follower, "sweep", "sweep")
    _timed(follower.Follower, "retry_due", "retries due")
    _timed(leases.Leases, "tick", "lease tick")
    run: Callable[..., Any] = follower.Follower.run

    async def with_lag(self: Any, *args: Any, **kwargs: Any) -> Any:
        async def lag() -> None:  # how late a 1 ms sleep wakes: the event loop's queue
            while True:
                started = time.perf_counter()
                await asyncio.sleep(0.001)
                TIMES["event loop lag"].append(time.perf_counter() - started - 0.001)

        task = asyncio.create_task(lag())
        try:
            return await run(self, *args, **kwargs)
        finally:
            task.cancel()

    follower.Follower.run = with_lag  # type: ignore[method-assign]  # a measuring copy, never in production


def _write(prefix: str, role: str) -> None:
    with open(f"{prefix}.{role}.{os.getpid()}", "w", encoding="utf-8") as out:
        for label, times in TIMES.items():
            times.sort()
            n = len(times)
            out.write(f"{role:<12} {label:<24} n={n:6d} mean={1000 * sum(times) / n:7.2f} ms"
                      f" p50={1000 * times[n // 2]:7.2f} p99={1000 * times[int(n * 0.99)]:7.2f}"
                      f" total={sum(times):6.2f} s\n")


_PREFIX = os.environ.get("LIAISON_TIMINGS")
_ARGV = " ".join(getattr(sys, "orig_argv", []))
if _PREFIX:
    for _role, _install in (("hotline", _hotline), ("projections", _projections)):
        if f"services.{_role}" in _ARGV:
            _install()
            atexit.register(_write, _PREFIX, _role)

"""The auditor's rebuild: fold every partition log from its first entry, and diff with the live views.

The rebuild reads entries exactly as the worker does and treats the unreadable ones the same
way (``log_fold``), so on a log the worker has fully processed the two agree byte for byte.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

import msgspec
from redis.asyncio import Redis

from services.projections.log_fold import PartitionFold
from shared.readmodel.fold import CaseView, decode_view
from shared.readmodel.queries import raw_views
from shared.redis_client import client_of
from shared.store import EventStore, pipelined
from shared.store.audit import AuditReport, Progress, combine, verify
from shared.store.audit_pass import Entry, Head
from shared.store.keys import PartitionKeys
from shared.store.port import EventStorePort

CHUNK = 5000
"""Entries per XRANGE: large enough to amortise round trips, small enough to overlap reads and folds."""


async def rebuild(redis: Redis, store: EventStorePort, chunk: int = CHUNK) -> dict[str, CaseView]:
    """Every case's view, folded from scratch from the partition logs."""
    # The fold allocates millions of small objects and frees almost none, so the cyclic garbage
    # collector rescans a growing heap for nothing: pausing it doubles the rebuild's speed.
    # It makes no cycles, so nothing is left behind.
    collecting = gc.isenabled()
    gc.disable()
    try:
        parts = await asyncio.gather(*(_rebuild_partition(redis, store, p, chunk) for p in range(store.partitions)))
    finally:
        if collecting:
            gc.enable()
    views: dict[str, CaseView] = {}
    for part in parts:
        views.update(part)
    return views


async def _rebuild_partition(redis: Redis, store: EventStorePort, partition: int, chunk: int) -> dict[str, CaseView]:
    log = PartitionKeys(partition).log
    folding = PartitionFold(store, partition)
    reading: asyncio.Task[Any] = asyncio.create_task(_xrange(redis, log, "-", chunk))
    try:
        while True:
            entries: Any = await reading
            if not entries:
                break
            last = entries[-1][0]
            # Ask for the next chunk before folding this one, so Redis works while Python folds.
            reading = asyncio.create_task(_xrange(redis, log, f"({last.decode()}", chunk))
            folding.chunk(entries)
    finally:
        reading.cancel()
    return folding.views()


async def _xrange(redis: Redis, log: str, start: str, count: int) -> Any:
    """XRANGE without redis-py's reply parsing: raw ``[id, [field, value, ...]]`` entries.

    redis-py turns every entry's fields into a dict in Python; skipping that lifts a full scan
    from ~200k to ~340k entries/s on the reference machine, and the rebuild needs one field.
    """
    command = ("XRANGE", log, start, "+", "COUNT", count)
    if isinstance(redis, Redis):
        [reply] = await pipelined.execute(redis, [command])
    else:  # a cluster client: on a connection of the master holding the log
        [reply] = await pipelined.on_node(cast(Any, redis).get_node_from_key(log), [command])
    if isinstance(reply, Exception):
        raise reply
    return reply


@dataclass
class Replay:
    """The auditor's replay: the verification of every chain and numbering, and every view rebuilt."""

    audit: AuditReport
    views: dict[str, CaseView]
    elapsed: float

    @property
    def rate(self) -> float:
        """Events verified and folded per second."""
        return self.audit.events / self.elapsed if self.elapsed > 0 else 0.0


async def replay(
    store: EventStore,
    partitions: Sequence[int] | None = None,
    *,
    progress: Progress | None = None,
    until: datetime | None = None,
    views: bool = True,
) -> Replay:
    """Verify and rebuild in one read of the log: each chunk is checked (as ``verify``), then folded.

    ``until``: fold each case only up to its last event recorded at or before that instant (the
    case as it stood then); ``views=False``: verify only.
    """
    started = time.perf_counter()
    folds: dict[int, PartitionFold] = {}

    def fold_chunk(partition: int, entries: list[Entry]) -> list[Head | None]:
        if partition not in folds:
            folds[partition] = PartitionFold(store, partition, until)
        return folds[partition].chunk(entries)

    collecting = gc.isenabled()
    gc.disable()  # see rebuild()
    try:
        audit = await verify(store, progress, partitions=partitions, also=fold_chunk if views else None)
        folded = {case_id: view for part in folds.values() for case_id, view in part.views().items()}
    finally:
        if collecting:
            gc.enable()
    return Replay(audit, folded, time.perf_counter() - started)


_share_encoder = msgspec.msgpack.Encoder()
_share_decoder = msgspec.msgpack.Decoder(tuple[AuditReport, dict[str, CaseView]])
_PROGRESS = "progress "
"""A child's progress line on its standard error: the prefix, then the events it has verified."""


async def replay_in_processes(
    url: str,
    partitions: int,
    processes: int,
    *,
    progress: Progress | None = None,
    until: datetime | None = None,
    views: bool = True,
) -> Replay:
    """``replay`` with the partitions dealt over several processes (a Python process uses one core).

    Each process (``python -m services.projections.rebuild URL P,P,... [options]``) replays its
    partitions and sends back its audit and views as msgpack on its standard output, and, when
    ``progress`` is given, a ``progress N`` line on its standard error after each chunk.
    """
    started = time.perf_counter()
    shares = [list(range(i, partitions, processes)) for i in range(processes) if i < partitions]
    options = [f"--until={until.isoformat()}"] if until is not None else []
    options += ["--progress"] if progress is not None else []
    options += [] if views else ["--no-views"]
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.projections.rebuild", url, ",".join(map(str, share)), *options,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for share in shares
    ]
    seen = [0] * len(children)

    def advanced(child: int, count: int) -> None:
        seen[child] = count
        if progress is not None:
            progress(sum(seen))

    outputs = await asyncio.gather(*(_collect(child, i, advanced) for i, child in enumerate(children)))
    audits: list[AuditReport] = []
    folded: dict[str, CaseView] = {}
    for child, (out, err) in zip(children, outputs, strict=True):
        if child.returncode != 0:
            raise RuntimeError(f"a replay process exited with {child.returncode}: {err}")
        audit, part = _share_decoder.decode(out)
        audits.append(audit)
        folded.update(part)
    elapsed = time.perf_counter() - started
    return Replay(combine(audits, partitions, elapsed), folded, elapsed)


async def _collect(
    child: asyncio.subprocess.Process, index: int, advanced: Callable[[int, int], None]
) -> tuple[bytes, str]:
    """A child's whole standard output, and its standard error less the progress lines (passed on as read)."""
    assert child.stdout is not None  # both are pipes
    assert child.stderr is not None
    reading = asyncio.create_task(child.stdout.read())
    errors: list[str] = []
    while line := await child.stderr.readline():
        said = line.decode(errors="replace")
        if said.startswith(_PROGRESS) and said[len(_PROGRESS):].strip().isdigit():
            advanced(index, int(said[len(_PROGRESS):]))
        else:
            errors.append(said)
    out = await reading
    await child.wait()
    return out, "".join(errors)


async def _share(url: str, partitions: list[int], options: list[str]) -> bytes:
    until = next((datetime.fromisoformat(o.split("=", 1)[1]) for o in options if o.startswith("--until=")), None)

    def report(count: int) -> None:
        sys.stderr.write(f"{_PROGRESS}{count}\n")
        sys.stderr.flush()

    redis = client_of(url)
    try:
        done = await replay(
            await EventStore.open(redis), partitions,
            progress=report if "--progress" in options else None, until=until, views="--no-views" not in options,
        )
    finally:
        await redis.aclose()
    return _share_encoder.encode((done.audit, done.views))


Problem = Literal["missing", "extra", "different", "unreadable"]


class FieldDifference(msgspec.Struct, frozen=True, kw_only=True):
    """One field (dotted path) whose live value is not the rebuilt one."""

    field: str
    live: Any
    rebuilt: Any


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    """A case whose live view is not what the log gives.

    ``missing``: the log has the case, the live views do not. ``extra``: a live view of a case
    the log does not have. ``different``: both exist and ``fields`` differ. ``unreadable``: the
    stored live view is not a valid view.
    """

    case_id: str
    problem: Problem
    fields: tuple[FieldDifference, ...] = ()


async def diff(redis: Redis, store: EventStorePort) -> list[Difference]:
    """Rebuild every view from the log and compare with the live views, sorted by case id.

    The live views are read first: a log read afterwards holds at least what they were built
    from, so on a quiet system any difference is a real one (a live view that is merely behind
    a busy worker shows as ``different`` in ``version`` and what changed since).
    """
    live_raw = await live_views(redis, store)
    return compare(live_raw, await rebuild(redis, store))


async def live_views(redis: Redis, store: EventStorePort) -> dict[str, bytes]:
    """Every stored live view's JSON, by case id (read before the log, for ``compare``)."""
    return {case_id: raw for part in (await raw_views(redis, store)).values() for case_id, raw in part.items()}


def compare(live_raw: dict[str, bytes], rebuilt: dict[str, CaseView]) -> list[Difference]:
    """The differences between stored live views and views rebuilt from the log, sorted by case id."""
    differences: list[Difference] = []
    for case_id in sorted(live_raw.keys() | rebuilt.keys()):
        raw = live_raw.get(case_id)
        expected = rebuilt.get(case_id)
        if raw is None:
            differences.append(Difference(case_id=case_id, problem="missing"))
            continue
        try:
            live = decode_view(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            problem: Problem = "unreadable" if expected is not None else "extra"
            detail = FieldDifference(field="(view)", live=raw.decode("utf-8", "replace"), rebuilt=str(exc))
            differences.append(Difference(case_id=case_id, problem=problem, fields=(detail,)))
            continue
        if expected is None:
            differences.append(Difference(case_id=case_id, problem="extra"))
            continue
        fields = tuple(_compare(msgspec.to_builtins(live), msgspec.to_builtins(expected), ""))
        if fields:
            differences.append(Difference(case_id=case_id, problem="different", fields=fields))
    return differences


def _compare(live: Any, rebuilt: Any, path: str) -> list[FieldDifference]:
    """Differing leaves of two JSON-like values; objects are walked, anything else compared whole."""
    if isinstance(live, dict) and isinstance(rebuilt, dict):
        found: list[FieldDifference] = []
        for key in [*rebuilt, *(k for k in live if k not in rebuilt)]:
            found += _compare(live.get(key), rebuilt.get(key), f"{path}.{key}" if path else key)
        return found
    if live != rebuilt:
        return [FieldDifference(field=path, live=live, rebuilt=rebuilt)]
    return []


if __name__ == "__main__":  # one share of replay_in_processes: python -m services.projections.rebuild URL P,P,...
    sys.stdout.buffer.write(asyncio.run(_share(sys.argv[1], [int(p) for p in sys.argv[2].split(",")], sys.argv[3:])))

"""The auditor's verification (ADR 0010): prove from the log alone that nothing was altered or removed.

For every partition it takes one atomic snapshot (the numbering counter, the last log
position, the heads hash), then reads the log up to that position in chunks and checks:

- entry numbers run 1, 2, 3... without gaps or repeats (a deleted entry leaves a gap);
- each entry's ``hash`` is ``link(prev, e)`` (an altered byte changes it);
- each event links to its case's previous hash (GENESIS first) and case versions run 1, 2, 3...;
- each case lives in the partition its id maps to;
- the last number equals the counter (a deleted tail leaves a shortfall), and every case's
  last (version, hash) equals its heads entry; a case in heads but not in the log is reported;
- optionally, each case index holds as many entries as the case has versions.

Writers may keep appending while it runs: the snapshot bounds the read, so what is
compared was written by one consistent moment of the partition. Every finding is a
``Breach``; a malformed entry is a breach, never an exception.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.store import keys
from shared.store.audit_pass import Breach, Entry, Head, PartitionCheck, text
from shared.store.event_store import EventStore
from shared.store.port import EventStorePort

CHUNK = 2000
"""Log entries fetched per XRANGE round trip."""

CONCURRENCY = 4
"""Partitions read at once: while one is hashed here, Redis prepares the next chunk of another."""

# Read in one atomic step so the three agree even while writers append (the keys share a hash tag).
_SNAPSHOT = """#!lua flags=no-writes
local numbered = redis.call("GET", KEYS[1])
local last = redis.call("XREVRANGE", KEYS[2], "+", "-", "COUNT", 1)
local heads = redis.call("HGETALL", KEYS[3])
return {numbered or "0", last[1] and last[1][1] or "", heads}
"""

# The case indexes whose length differs from the version the log shows, in one round trip per chunk.
_INDEX_LENGTHS = """#!lua flags=no-writes
local odd = {}
for i = 1, #KEYS do
  local length = redis.call("LLEN", KEYS[i])
  if length ~= tonumber(ARGV[i]) then
    odd[#odd + 1] = i
    odd[#odd + 1] = length
  end
end
return odd
"""

Progress = Callable[[int], None]
"""Called with the number of events verified so far, after each chunk."""

ChunkHook = Callable[[int, list[Entry]], Sequence[Head | None] | None]
"""Called with a partition and each chunk of its log entries, before the chunk is checked; it may return
the events it decoded, one per entry or None (``PartitionCheck.feed``'s ``heads``), so they are not
decoded twice."""

__all__ = [
    "AuditReport", "Breach", "ChunkHook", "LogReader", "PartitionCount", "Progress", "combine", "digest_of", "report",
    "verify",
]


class PartitionCount(msgspec.Struct, frozen=True, kw_only=True):
    """What one partition holds: entries read from its log, the count its counter claims, its cases."""

    partition: int
    entries: int
    numbered: int
    cases: int


class AuditReport(msgspec.Struct, kw_only=True):
    """The outcome of a verification: what was read, every case's rebuilt chain head, and every breach."""

    events: int
    cases: int
    partitions: int
    counts: list[PartitionCount]
    heads: dict[str, tuple[int, str]]
    """case id -> (version, hash) of its last event, as rebuilt from the log."""
    digest: str
    """sha256 over the sorted ``case version hash`` lines: one value to compare two audits by."""
    elapsed: float
    breaches: list[Breach]

    @property
    def ok(self) -> bool:
        """True when nothing was found: every chain and every numbering holds."""
        return not self.breaches

    @property
    def rate(self) -> float:
        """Events verified per second."""
        return self.events / self.elapsed if self.elapsed > 0 else 0.0


def _version_of(head: bytes | None) -> int:
    """The version in a heads value (``<version> <hash>``); 0 if absent or unreadable."""
    first = text(head or b"0").split(" ", 1)[0]
    return int(first) if first.isdigit() else 0


async def _check_index(store: EventStore, script: Any, audit: PartitionCheck) -> None:
    """Each case index must list as many entries as its version (growth by concurrent writers is allowed)."""
    k = store.keys(audit.partition)
    items = list(audit.cases.items())
    for start in range(0, len(items), CHUNK):
        batch = items[start : start + CHUNK]
        flat = await script(keys=[k.case(case_id) for case_id, _ in batch], args=[v for _, (v, _) in batch])
        pairs = iter(flat)  # {index (1-based), length, ...} of the indexes that differ
        odd = [(batch[i - 1][0], batch[i - 1][1][0], length) for i, length in zip(pairs, pairs, strict=True)]
        if not odd:
            continue
        # An index longer than the audited version is fine if the case has grown since the snapshot.
        async with store.redis.pipeline(transaction=False) as pipe:
            for case_id, _, _ in odd:
                pipe.hget(k.heads, case_id)
            now: list[bytes | None] = await pipe.execute()
        for (case_id, version, length), head in zip(odd, now, strict=True):
            if length < version or length > _version_of(head):
                audit.breach(
                    "index_mismatch",
                    f"the case index {k.case(case_id)} lists {length} entries but the case has {version} "
                    "versions in the log: reads of this case are wrong until the index is rebuilt",
                    None, None, case_id,
                )


def _as_is(response: Any, **options: Any) -> Any:
    return response


class LogReader:
    """The auditor's reads of one store: snapshots, the log in chunks, case index lengths."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        redis: Any = store.redis
        self._snapshot = redis.register_script(_SNAPSHOT)
        self.index_lengths = redis.register_script(_INDEX_LENGTHS)
        # redis-py turns every entry's fields into a dict, about a fifth of the auditor's time. On a
        # plain Redis, a second client on the same pool takes the reply as it comes; a cluster
        # client keeps its dicts, which are flattened.
        self._raw: Redis | None = None
        if isinstance(redis, Redis):
            self._raw = Redis(connection_pool=redis.connection_pool)
            self._raw.set_response_callback("XRANGE", _as_is)

    async def snapshot(self, partition: int) -> tuple[int, str, dict[str, str]]:
        """The partition's counter, last log position and heads, read atomically."""
        k = self.store.keys(partition)
        numbered, last, flat = await self._snapshot(keys=[k.number, k.log, k.heads])
        it = iter(flat)
        heads = {text(case_id): text(value) for case_id, value in zip(it, it, strict=True)}
        return int(numbered), text(last), heads

    async def entries(self, log: str, start: str, end: str) -> list[Entry]:
        """Up to CHUNK log entries from ``start`` to ``end`` (inclusive unless prefixed with ``(``)."""
        if self._raw is not None:
            raw: Any = await self._raw.xrange(log, start, end, count=CHUNK)
            return list(raw or [])
        named: Any = await self.store.redis.xrange(log, start, end, count=CHUNK)
        return [(entry_id, [item for pair in fields.items() for item in pair]) for entry_id, fields in named or []]

    async def aclose(self) -> None:
        if self._raw is not None:
            await self._raw.aclose()  # the pool is the store's: only this client's handle is dropped


async def _verify_partition(
    reader: LogReader, partition: int, check_index: bool, progress: Progress, also: ChunkHook | None
) -> PartitionCheck:
    store = reader.store
    audit = PartitionCheck(partition, store.partitions)
    # A key of the wrong type or a counter that is not a number is a finding about the data; a lost
    # connection is not, so it propagates (the CLI must not call an outage tampering).
    try:
        numbered, end, heads = await reader.snapshot(partition)
    except (ResponseError, ValueError) as error:
        audit.breach("unreadable", f"cannot read the partition's counter, log or heads: {error}", None, None, None)
        return audit
    log = store.keys(partition).log
    start = "-"
    # The next chunk is asked for before this one is checked, so Redis reads while Python hashes.
    reading: asyncio.Task[list[Entry]] | None = asyncio.create_task(reader.entries(log, start, end)) if end else None
    try:
        while reading is not None:
            try:
                entries = await reading
            except ResponseError as error:
                audit.breach("unreadable", f"cannot read the log after {start}: {error}", None, None, None)
                return audit
            reading = None
            last = text(entries[-1][0]) if entries else end
            if len(entries) == CHUNK and last != end:
                start = f"({last}"
                reading = asyncio.create_task(reader.entries(log, start, end))
            audit.feed(entries, also(partition, entries) if also is not None else None)
            progress(len(entries))
    finally:
        if reading is not None:
            reading.cancel()
    audit.finish(numbered, heads)
    if check_index:
        try:
            await _check_index(store, reader.index_lengths, audit)
        except ResponseError as error:
            audit.breach("index_mismatch", f"cannot read the case indexes: {error}", None, None, None)
    return audit


def digest_of(heads: dict[str, tuple[int, str]]) -> str:
    """sha256 over the sorted ``case version hash`` lines of every case's head."""
    digest = hashlib.sha256()
    for case_id in sorted(heads):
        version, head = heads[case_id]
        digest.update(f"{case_id} {version} {head}\n".encode())
    return digest.hexdigest()


def _merge(passes: Iterable[PartitionCheck]) -> tuple[dict[str, tuple[int, str]], list[Breach], list[PartitionCount]]:
    heads: dict[str, tuple[int, str]] = {}
    breaches: list[Breach] = []
    counts: list[PartitionCount] = []
    for audit in passes:
        for case_id, head in audit.cases.items():
            # A case found in a foreign partition (already a breach) must not hide its home chain.
            if case_id not in heads or keys.partition_of(case_id, audit.partitions) == audit.partition:
                heads[case_id] = head
        breaches.extend(audit.breaches)
        counts.append(PartitionCount(
            partition=audit.partition, entries=audit.entries, numbered=audit.numbered, cases=len(audit.cases)
        ))
    return heads, breaches, counts


def report(passes: Sequence[PartitionCheck], partitions: int, elapsed: float) -> AuditReport:
    """The audit report of finished partition checks (``verify``'s, or a replay's that also folded views)."""
    heads, breaches, counts = _merge(passes)
    return AuditReport(
        events=sum(c.entries for c in counts),
        cases=len(heads),
        partitions=partitions,
        counts=counts,
        heads=heads,
        digest=digest_of(heads),
        elapsed=elapsed,
        breaches=breaches,
    )


def combine(reports: Sequence[AuditReport], partitions: int, elapsed: float) -> AuditReport:
    """One report from the reports of disjoint sets of partitions (a parallel audit's shares)."""
    heads: dict[str, tuple[int, str]] = {}
    for part in reports:
        covered = {c.partition for c in part.counts}
        for case_id, head in part.heads.items():
            # As in _merge: a case also found in a foreign partition keeps its home chain's head.
            if case_id not in heads or keys.partition_of(case_id, partitions) in covered:
                heads[case_id] = head
    counts = sorted((c for part in reports for c in part.counts), key=lambda c: c.partition)
    return AuditReport(
        events=sum(c.entries for c in counts),
        cases=len(heads),
        partitions=partitions,
        counts=counts,
        heads=heads,
        digest=digest_of(heads),
        elapsed=elapsed,
        breaches=[b for part in reports for b in part.breaches],
    )


async def verify(
    store: EventStore,
    progress: Progress | None = None,
    *,
    check_index: bool = True,
    concurrency: int = CONCURRENCY,
    partitions: Sequence[int] | None = None,
    also: ChunkHook | None = None,
) -> AuditReport:
    """Verify every partition's numbering and every case's chain from the log alone.

    ``partitions``: only these (a process's share of a parallel audit); ``also``: called with
    every chunk of entries before it is checked, so a rebuild can fold the same read (and hand
    the check the events it decoded).
    """
    started = time.perf_counter()
    seen = 0

    def advanced(count: int) -> None:
        nonlocal seen
        seen += count
        if progress is not None:
            progress(seen)

    gate = asyncio.Semaphore(max(1, concurrency))
    reader = LogReader(store)

    async def one(partition: int) -> PartitionCheck:
        async with gate:
            return await _verify_partition(reader, partition, check_index, advanced, also)

    wanted = range(store.partitions) if partitions is None else partitions
    try:
        passes = await asyncio.gather(*(one(p) for p in wanted))
    finally:
        await reader.aclose()
    return report(passes, store.partitions, time.perf_counter() - started)


async def verify_through(store: EventStorePort) -> AuditReport:
    """The same checks as ``verify``, through any store's port reads (no atomic snapshot: for a store nobody writes
    meanwhile, e.g. the in-memory twin in unit tests; auditors of the Redis log use ``verify``)."""
    started = time.perf_counter()
    passes = []
    for partition in range(store.partitions):
        audit = PartitionCheck(partition, store.partitions)
        after = "0"
        while page := await store.read_partition(partition, after=after, count=CHUNK):
            audit.feed([(e.position.encode(), [b"n", str(e.number).encode(), b"prev", e.prev.encode(),
                                               b"hash", e.hash.encode(), b"e", e.data]) for e in page])
            after = page[-1].position
        heads = await store.heads(partition)
        audit.finish(await store.numbered(partition), {case: f"{v} {h}" for case, (v, h) in heads.items()})
        passes.append(audit)
    return report(passes, store.partitions, time.perf_counter() - started)

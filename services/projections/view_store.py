"""Where the views live: read a batch's stored views, write views + updates + acks in one script."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import msgspec
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from shared.follow.fencing import raise_if_fenced
from shared.readmodel.fold import CaseView, decode_view, encode_view
from shared.redis_client import text
from shared.store import keys, pipelined

UPDATES_MAXLEN = 10_000
"""Approximate length kept of each partition's case-updates stream.

The updates stream is derived, not the log (ADR 0009 does not apply): a dashboard that
fell further behind reads the views themselves and follows the stream from there.
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """A case's view as stored, and the version the write script compares against."""

    version: int
    view: CaseView | None
    """None when there is no view yet, or the stored JSON is unreadable (then folded from scratch)."""
    digest: str = ""
    """SHA-1 of the stored view's JSON ("" when there is none): a view rewritten at the same version (a
    ``liaison parked --retry`` repair) has another digest, so a write folded from the old one is refused."""


def digest_of(raw: bytes | None) -> str:
    """The digest the write script compares: SHA-1 (hex) of a stored view's JSON, "" for none."""
    return "" if raw is None else hashlib.sha1(raw, usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class Write:
    """One record of a batch write: a case's new view (if it changed) and the entries it covers."""

    case_id: str
    base: int
    view: CaseView | None
    acks: list[str] = field(default_factory=list)
    digest: str | None = None
    """The digest of the stored view this one was folded from (``Stored.digest``); None compares versions only."""
    written: str = ""
    """The digest of the view this write sent (set by ``ViewStore.write``), to remember it by."""



class ViewStore:
    """Reads and writes the views of every partition of one event store (in the Redis ``redis``)."""

    def __init__(self, redis: Redis, group: str = keys.PROJECTIONS_GROUP, maxlen: int = UPDATES_MAXLEN) -> None:
        self.redis = redis
        self.group = group
        self.maxlen = maxlen
        script = resources.files("services.projections").joinpath("write_views.lua").read_text(encoding="utf-8")
        self._write = redis.register_script(script)

    async def stored(self, partition: int, case_ids: Sequence[str]) -> dict[str, Stored]:
        """The stored view and version of each case (one round trip)."""
        if not case_ids:
            return {}
        k = keys.PartitionKeys(partition)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(k.view_versions, list(case_ids))
            pipe.hmget(k.views, list(case_ids))
            versions, views = await pipe.execute()
        result: dict[str, Stored] = {}
        for case_id, version, raw in zip(case_ids, versions, views, strict=True):
            view: CaseView | None = None
            digest = digest_of(raw)
            if raw is not None:
                try:
                    view = decode_view(raw)
                except (msgspec.ValidationError, msgspec.DecodeError):
                    view = None  # folded again from the case's first event; the script still compares versions
            if view is not None and view.case_id != case_id:
                view = None
            result[case_id] = Stored(version=int(version) if version is not None else 0, view=view, digest=digest)
        return result

    async def write(self, partition: int, writes: Sequence[Write], fence: str | None = None) -> set[str]:
        """Write every changed view (with its update) and ack its entries; the case ids refused.

        ``fence``: the partition's lease the caller holds (ADR 0022); raises ``LeaseLost``, writing nothing,
        when the partition's lease is no longer that one."""
        if not writes:
            return set()
        k = keys.PartitionKeys(partition)
        args: list[str | bytes] = [self.group, str(self.maxlen), fence or ""]
        for w in writes:
            view = b"" if w.view is None else encode_view(w.view)
            version = str(w.view.version) if w.view is not None else ""
            w.written = digest_of(view) if w.view is not None else ""
            digest = "*" if w.digest is None else w.digest
            args += [w.case_id, str(w.base), digest, version, view, str(len(w.acks)), *w.acks]
        lease = keys.lease(partition, self.group)
        call = ("EVALSHA", self._write.sha, 5, k.views, k.view_versions, k.updates, k.log, lease, *args)
        # Packed by hiredis in one write (shared/store/pipelined.py): redis-py's Script packs each
        # argument in Python, a sixth of the worker's CPU in the profile (docs/benchmarks.md).
        [refused] = await pipelined.execute(self.redis, [call])
        if isinstance(refused, NoScriptError):  # the script did not run (cache emptied by a restart)
            await self.redis.script_load(self._write.script)
            [refused] = await pipelined.execute(self.redis, [call])
        if isinstance(refused, ResponseError):
            raise_if_fenced(refused, partition, fence)
        if isinstance(refused, Exception):
            raise refused
        return {text(case_id) for case_id in refused}

"""Partition log entries built in memory, numbered and chained as the append script writes them."""

from __future__ import annotations

from shared.events import encode_event
from shared.store import keys
from shared.store.audit_pass import Entry
from shared.store.chain import GENESIS, link
from tests.contract.factory import call


def case_ids(partition: int, count: int, partitions: int, prefix: str = "unit") -> list[str]:
    """``count`` case ids (``prefix-<i>``) that live in ``partition`` of ``partitions``."""
    found, i = [], 0
    while len(found) < count:
        if keys.partition_of(f"{prefix}-{i}", partitions) == partition:
            found.append(f"{prefix}-{i}")
        i += 1
    return found


def chained(order: list[str]) -> list[Entry]:
    """A well-formed log: one call event per case id in ``order``, numbered and chained."""
    heads: dict[str, tuple[int, str]] = {}
    entries: list[Entry] = []
    for n, case_id in enumerate(order, start=1):
        version, prev = heads.get(case_id, (0, GENESIS))
        data = encode_event(call(case_id, version + 1))
        digest = link(prev, data)
        heads[case_id] = (version + 1, digest)
        entries.append((f"{1000 + n}-0".encode(), [b"n", str(n).encode(), b"prev", prev.encode(),
                                                   b"hash", digest.encode(), b"e", data]))
    return entries

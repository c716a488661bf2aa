"""The replay's fold of raw log entries: the events it decodes, handed to the chain check, change no finding."""

from __future__ import annotations

from services.projections.log_fold import PartitionFold
from shared.events import encode_event
from shared.store import keys
from shared.store.audit_pass import Entry, PartitionCheck
from shared.store.chain import GENESIS, link
from shared.store.memory import MemoryEventStore
from tests.contract.factory import call

PARTITIONS = 4


def _cases(partition: int, count: int) -> list[str]:
    found, i = [], 0
    while len(found) < count:
        if keys.partition_of(f"fold-{i}", PARTITIONS) == partition:
            found.append(f"fold-{i}")
        i += 1
    return found


def _log(order: list[str]) -> list[Entry]:
    """One event per case id in ``order``, numbered and chained as the append script does."""
    heads: dict[str, tuple[int, str]] = {}
    entries: list[Entry] = []
    for n, case_id in enumerate(order, start=1):
        version, prev = heads.get(case_id, (0, GENESIS))
        data = encode_event(call(case_id, version + 1))
        heads[case_id] = (version + 1, link(prev, data))
        entries.append((f"{1000 + n}-0".encode(), [b"n", str(n).encode(), b"prev", prev.encode(),
                                                   b"hash", heads[case_id][1].encode(), b"e", data]))
    return entries


def test_heads_from_the_fold_give_the_same_findings_as_the_checks_own_decode() -> None:
    """Altered, undecodable, foreign, repeated and unreadable entries: the same breaches either way."""
    a, b = _cases(1, 2)
    (stranger,) = _cases(2, 1)
    entries = _log([a, b, a, stranger, b, a, b])
    fields = entries[1][1]
    fields[7] = fields[7].replace(b'"case_version":1', b'"case_version":7')  # altered: hash and version
    entries[2][1][7] = b'{"case_id": "' + a.encode() + b'", "case_version": 2}'  # decodes as a head, not an event
    entries[4][1][7] = b"not json"
    entries[5][1][1] = b"six"
    entries.append((b"1008-0", list(entries[0][1])))  # the first entry re-added

    alone = PartitionCheck(1, PARTITIONS)
    alone.feed(entries)
    folding = PartitionFold(MemoryEventStore(PARTITIONS), 1)
    handed = PartitionCheck(1, PARTITIONS)
    heads = folding.chunk(entries)
    handed.feed(entries, heads)

    assert any(head is not None for head in heads)
    assert handed.breaches == alone.breaches
    assert handed.cases == alone.cases
    assert {"hash_mismatch", "unreadable", "wrong_partition", "number_repeat"} <= {x.kind for x in alone.breaches}
    assert set(folding.views()) == {a, b}

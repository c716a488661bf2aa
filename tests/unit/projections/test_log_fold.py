"""The replay's fold of raw log entries: the events it decodes, handed to the chain check, change no finding."""

from __future__ import annotations

from services.projections.log_fold import PartitionFold
from shared.store.audit_pass import PartitionCheck
from shared.store.memory import MemoryEventStore
from tests.unit.store.chained_log import case_ids, chained

PARTITIONS = 4


def test_heads_from_the_fold_give_the_same_findings_as_the_checks_own_decode() -> None:
    """Altered, undecodable, foreign, repeated and unreadable entries: the same breaches either way."""
    a, b = case_ids(1, 2, PARTITIONS, "fold")
    (stranger,) = case_ids(2, 1, PARTITIONS, "fold")
    entries = chained([a, b, a, stranger, b, a, b])
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

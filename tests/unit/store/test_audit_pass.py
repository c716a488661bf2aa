"""The auditor's checks on one partition's entries, fed from memory: each kind of breach, and none on a clean log."""

from __future__ import annotations

from shared.store.audit_pass import Breach, PartitionCheck
from shared.store.chain import GENESIS
from tests.unit.store.chained_log import case_ids, chained

PARTITIONS = 4
Entry = tuple[bytes, list[bytes]]


def _kinds(audit: PartitionCheck) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(b.kind, b.position, b.number, b.case_id) for b in audit.breaches]


def _heads(entries: list[Entry]) -> dict[str, str]:
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed(entries)
    return {case_id: f"{version} {digest}" for case_id, (version, digest) in audit.cases.items()}


A, B = case_ids(1, 2, PARTITIONS)


def test_clean_log_has_no_breach_in_any_chunking() -> None:
    """A well-formed interleaved log verifies whole or fed in chunks, with the right case heads."""
    entries = chained([A, B, A, A, B])
    whole = PartitionCheck(1, PARTITIONS)
    whole.feed(entries)
    whole.finish(5, _heads(entries))
    chunked = PartitionCheck(1, PARTITIONS)
    for start in range(0, 5, 2):
        chunked.feed(entries[start : start + 2])
    chunked.finish(5, _heads(entries))
    assert whole.breaches == chunked.breaches == []
    assert whole.cases == chunked.cases
    assert whole.cases[A][0] == 3
    assert whole.cases[B] == (2, entries[4][1][5].decode())


def test_fields_in_another_order_are_read_by_name() -> None:
    """An entry whose fields come in another order is still checked, and is not a breach by itself."""
    entries = chained([A, B])
    entry_id, f = entries[1]
    entries[1] = (entry_id, [f[6], f[7], f[4], f[5], f[0], f[1], f[2], f[3]])
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed(entries)
    assert audit.breaches == []
    assert audit.cases[B][0] == 1


def test_a_foreign_field_is_reported() -> None:
    """A field the append script never writes marks the entry as rewritten outside it."""
    entries = chained([A])
    entries[0][1].extend([b"note", b"hi"])
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed(entries)
    assert _kinds(audit) == [("foreign_fields", "1001-0", None, None)]


def test_a_repeated_entry_is_a_number_and_version_repeat() -> None:
    """An entry re-added later (same number, same event) is reported once as a number repeat."""
    entries = chained([A, B])
    copy = (b"1003-0", list(entries[0][1]))
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed([*entries, copy])
    assert _kinds(audit) == [("number_repeat", "1003-0", 1, None), ("version_repeat", "1003-0", 1, A)]
    assert audit.cases[A][0] == 1


def test_a_case_in_the_wrong_partition_is_reported() -> None:
    """An event whose case maps to another partition is named with its home partition."""
    (stranger,) = case_ids(2, 1, PARTITIONS)
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed(chained([stranger]))
    assert _kinds(audit) == [("wrong_partition", "1001-0", 1, stranger)]
    assert "belongs to partition 2" in audit.breaches[0].detail


def test_unreadable_entries_do_not_stop_the_audit() -> None:
    """A non-numeric n or a non-ASCII prev is a breach; the entries after it are still checked normally."""
    entries = chained([A, B, A])
    entries[0][1][1] = b"one"
    entries[1][1][3] = b"\xff" * 64
    audit = PartitionCheck(1, PARTITIONS)
    audit.feed(entries)
    assert _kinds(audit) == [
        ("unreadable", "1001-0", None, None),
        ("unreadable", "1002-0", 2, None),
        ("version_gap", "1003-0", 3, A),  # A's version 1 could not be read, so its version 2 has no predecessor
    ]
    assert "field n is b'one'" in audit.breaches[0].detail


def test_finish_compares_counter_and_heads() -> None:
    """A counter ahead, a counter behind, a wrong head and a case known only to heads are all reported."""
    entries = chained([A, B])
    heads = _heads(entries)
    ahead = PartitionCheck(1, PARTITIONS)
    ahead.feed(entries)
    ahead.finish(4, {**heads, "ghost": f"1 {GENESIS}"})
    assert _kinds(ahead) == [("tail_missing", None, 3, None), ("case_missing", None, None, "ghost")]
    assert "#3..#4 were deleted" in ahead.breaches[0].detail
    behind = PartitionCheck(1, PARTITIONS)
    behind.feed(entries)
    behind.finish(1, {A: heads[A], B: f"2 {GENESIS}"})
    assert _kinds(behind) == [("count_mismatch", None, 2, None), ("head_mismatch", None, None, B)]
    assert "version 2 is missing from the log" in behind.breaches[1].detail


def test_breach_reads_as_a_sentence() -> None:
    """A breach prints as kind, partition, position, number and case, then what to do about it."""
    breach = Breach(partition=2, position="17-0", number=9, case_id="c-1", kind="hash_mismatch", detail="altered")
    assert str(breach) == "hash_mismatch at partition 2, position 17-0, number 9, case c-1: altered"

"""The checks of one partition's log, entry by entry, from the entries alone (pure: no I/O).

``audit.verify`` feeds it the log in chunks and then the partition's counter and heads;
each finding is a ``Breach``. A malformed entry is a breach, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from shared.store import keys
from shared.store.chain import GENESIS, link

Entry = tuple[bytes, list[bytes]]
"""One log entry as read: its id and its flat [field, value, ...] list."""


class Breach(msgspec.Struct, frozen=True, kw_only=True):
    """One place where the evidence breaks: which partition, where, which case, what and what to do."""

    partition: int
    position: str | None
    """The log entry id where the break shows; None for count and heads findings."""
    number: int | None
    """The entry number concerned (for a gap: the first missing one)."""
    case_id: str | None
    kind: str
    """hash_mismatch, broken_link, number_gap, number_repeat, version_gap, version_repeat, wrong_partition,
    unreadable, foreign_fields, tail_missing, count_mismatch, head_mismatch, case_missing, index_mismatch."""
    detail: str

    def __str__(self) -> str:
        where = [f"partition {self.partition}"]
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.number is not None:
            where.append(f"number {self.number}")
        if self.case_id is not None:
            where.append(f"case {self.case_id}")
        return f"{self.kind} at {', '.join(where)}: {self.detail}"


class Head(Protocol):
    """What the chain checks read of an entry's event: its case and version."""

    @property
    def case_id(self) -> str: ...
    @property
    def case_version(self) -> int: ...


class _Head(msgspec.Struct):
    # Only the fields the chain checks need: msgspec skips the rest without building them.
    case_id: str
    case_version: int


_decode_head = msgspec.json.Decoder(_Head).decode

_FIELDS = (b"n", b"prev", b"hash", b"e")
"""The fields the append script writes on every log entry."""


def text(value: bytes | str) -> str:
    """Bytes from Redis as text (never failing: a malformed value still has to be shown)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _short(digest: str) -> str:
    return digest[:12] + "…" if len(digest) > 12 else digest


class PartitionCheck:
    """Checks one partition's entries in log order; holds the state the next chunk continues from."""

    def __init__(self, partition: int, partitions: int) -> None:
        self.partition = partition
        self.partitions = partitions
        self.expected = 1
        """The number the next entry must carry."""
        self.entries = 0
        self.numbered = 0
        """The count the partition's counter claimed in the snapshot."""
        self.last_position = ""
        self.cases: dict[str, tuple[int, str]] = {}
        self.breaches: list[Breach] = []

    def breach(self, kind: str, detail: str, position: str | None, number: int | None, case_id: str | None) -> None:
        """Record a finding of this partition."""
        self.breaches.append(
            Breach(
                partition=self.partition, position=position, number=number, case_id=case_id, kind=kind, detail=detail
            )
        )

    def feed(self, entries: list[Entry], heads: Sequence[Head | None] | None = None) -> None:
        """Check a chunk of (entry id, [field, value, ...]) in log order. The hot loop: keep it lean.

        ``heads``: for each entry, its event as the caller already decoded it from the entry's ``e``
        field (a replay that folds the same chunk), or None; an entry without one is decoded here.
        """
        if heads is not None and len(heads) != len(entries):
            raise ValueError(f"{len(heads)} heads given for {len(entries)} entries: one per entry, or none")
        cases = self.cases
        expected = self.expected
        partition, partitions = self.partition, self.partitions
        for i, (entry_id, fields) in enumerate(entries):
            try:
                # The append script writes exactly n, prev, hash, e in this order; anything else is looked at slowly.
                if len(fields) == 8 and fields[0] == b"n" and fields[2] == b"prev" and fields[4] == b"hash" \
                        and fields[6] == b"e":
                    n = int(fields[1])
                    prev = fields[3].decode("ascii")
                    claimed = fields[5].decode("ascii")
                    data = fields[7]
                else:
                    n, prev, claimed, data = self._odd_fields(entry_id, fields)
            except Exception as error:  # any malformation is a finding, never a crash
                expected = self._unreadable_entry(entries, i, expected, error)
                continue
            expected = n + 1 if n == expected else self._numbering(entries, i, n, expected)
            altered = link(prev, data) != claimed
            head = heads[i] if heads is not None else None
            if head is None:
                try:
                    head = _decode_head(data)
                except msgspec.DecodeError as error:
                    self._undecodable_event(entry_id, n, altered, error)
                    continue
            case_id = head.case_id
            version = head.case_version
            if altered:
                self.breach(
                    "hash_mismatch",
                    f"the stored hash {_short(claimed)} is not sha256(prev + event bytes): the event "
                    f"(version {version}) or its prev was altered after it was written",
                    text(entry_id), n, case_id,
                )
            state = cases.get(case_id)
            if state is None:
                if keys.partition_of(case_id, partitions) != partition:
                    self._wrong_partition(entry_id, n, case_id)
                last_version, last_hash = 0, GENESIS
            else:
                last_version, last_hash = state
            if version != last_version + 1:
                if version <= last_version:
                    self._version_repeat(entry_id, n, case_id, version, last_version)
                    continue  # keep the later head: the chain goes on from there
                self._version_gap(entry_id, n, case_id, version, last_version, prev == last_hash)
            elif prev != last_hash:
                self.breach(
                    "broken_link",
                    f"version {version} links to {_short(prev)} but the case's previous event has hash "
                    f"{_short(last_hash)}: an earlier event of the case was altered, removed or inserted",
                    text(entry_id), n, case_id,
                )
            # Continue from the stored hash, so one altered event is one finding, not a cascade.
            cases[case_id] = (version, claimed)
        self.expected = expected
        self.entries += len(entries)
        if entries:
            self.last_position = text(entries[-1][0])

    def _before(self, entries: list[Entry], i: int) -> str:
        """The position of the entry read before entries[i] ("" at the start of the log)."""
        return text(entries[i - 1][0]) if i > 0 else self.last_position

    def _odd_fields(self, entry_id: bytes, fields: list[bytes]) -> tuple[int, str, str, bytes]:
        """Fields in another order, or extra ones: take them by name; a missing one raises KeyError."""
        named = dict(zip(fields[::2], fields[1::2], strict=True))
        foreign = sorted(text(name) for name in named if name not in _FIELDS)
        if foreign:
            self.breach(
                "foreign_fields",
                f"the entry carries field(s) {', '.join(foreign)} that the append script never writes: "
                "it was rewritten outside the script",
                text(entry_id), None, None,
            )
        return int(named[b"n"]), named[b"prev"].decode("ascii"), named[b"hash"].decode("ascii"), named[b"e"]

    def _unreadable_entry(
        self, entries: list[Entry], i: int, expected: int, error: Exception
    ) -> int:
        entry_id, fields = entries[i]
        position = text(entry_id)
        named = dict(zip(fields[::2], fields[1::2], strict=False)) if isinstance(fields, list) else {}
        missing = [text(name) for name in _FIELDS if name not in named]
        raw_n = named.get(b"n")
        number = int(raw_n) if isinstance(raw_n, bytes) and raw_n.isdigit() else None
        if missing:
            problem = f"the entry lacks field(s) {', '.join(missing)}"
        elif number is None:
            problem = f"field n is {raw_n!r}, not an entry number"
        else:
            problem = f"field prev or hash is not ASCII hex ({error})"
        self.breach(
            "unreadable",
            f"{problem}: it was not written by the append script; inspect it with "
            f"XRANGE {keys.PartitionKeys(self.partition).log} {position} {position}",
            position, number, None,
        )
        if number is not None:
            return number + 1 if number == expected else self._numbering(entries, i, number, expected)
        return expected + 1  # assume it took the next number, so one bad entry is one finding

    def _numbering(self, entries: list[Entry], i: int, n: int, expected: int) -> int:
        position = text(entries[i][0])
        if n > expected:
            before = self._before(entries, i)
            at = f" (at {before})" if before else ""
            missing = f"#{expected}" if n == expected + 1 else f"#{expected}..#{n - 1}"
            self.breach(
                "number_gap",
                f"entry {missing} is missing: the log goes from #{expected - 1}{at} to #{n} at {position}; "
                "an entry was deleted here",
                position, expected, None,
            )
            return n + 1
        self.breach(
            "number_repeat",
            f"entry number #{n} appears again (expected #{expected}): an entry was copied or re-added",
            position, n, None,
        )
        return expected

    def _undecodable_event(self, entry_id: bytes, n: int, altered: bool, error: Exception) -> None:
        kind, why = "unreadable", ""
        if altered:
            kind, why = "hash_mismatch", "its bytes were altered (the hash does not match) and "
        self.breach(
            kind,
            f"{why}its event does not decode ({error}), so its case cannot be named here; "
            "the case shows as a version gap at its next event",
            text(entry_id), n, None,
        )

    def _wrong_partition(self, entry_id: bytes, n: int, case_id: str) -> None:
        home = keys.partition_of(case_id, self.partitions)
        self.breach(
            "wrong_partition",
            f"the case belongs to partition {home}, not {self.partition}: this entry was written outside "
            "the append script",
            text(entry_id), n, case_id,
        )

    def _version_repeat(self, entry_id: bytes, n: int, case_id: str, version: int, last: int) -> None:
        self.breach(
            "version_repeat",
            f"version {version} appears after version {last}: an event of the case was copied or re-added",
            text(entry_id), n, case_id,
        )

    def _version_gap(self, entry_id: bytes, n: int, case_id: str, version: int, last: int, linked: bool) -> None:
        missing = f"version {last + 1}" if version == last + 2 else f"versions {last + 1}..{version - 1}"
        link_note = "" if linked else "; its prev does not link to the case's previous event either"
        self.breach(
            "version_gap",
            f"{missing} missing from the log: the case goes from version {last} to {version} here{link_note}",
            text(entry_id), n, case_id,
        )

    def finish(self, numbered: int, heads: dict[str, str]) -> None:
        """Compare the end of the log with the counter and the heads hash of the same snapshot."""
        self.numbered = numbered
        last = self.expected - 1
        if last < numbered:
            after = f" (the last entry read is #{last} at {self.last_position})" if self.last_position else ""
            self.breach(
                "tail_missing",
                f"the append script numbered {numbered} entries but the log ends at #{last}{after}: "
                f"entries #{last + 1}..#{numbered} were deleted",
                None, last + 1, None,
            )
        elif last > numbered:
            self.breach(
                "count_mismatch",
                f"the log reaches #{last} but the counter says only {numbered} entries were numbered: "
                "entries were added outside the append script or the counter was rolled back",
                None, numbered + 1, None,
            )
        for case_id, (version, digest) in self.cases.items():
            recorded = heads.pop(case_id, None)
            if recorded is None:
                self.breach(
                    "head_mismatch",
                    f"the log holds the case up to version {version} but the heads hash has no entry for it",
                    None, None, case_id,
                )
                continue
            parts = recorded.split()
            if len(parts) == 2 and parts[0].isdigit() and (int(parts[0]), parts[1]) == (version, digest):
                continue
            if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) > version:
                lost = int(parts[0])
                missing = f"version {lost} is" if lost == version + 1 else f"versions {version + 1}..{lost} are"
                why = f"{missing} missing from the log (deleted)"
            else:
                why = "the head was altered or the case's last events were changed"
            self.breach(
                "head_mismatch",
                f"the heads hash says {recorded!r} but the log ends at version {version} "
                f"with hash {_short(digest)}: {why}",
                None, None, case_id,
            )
        for case_id, recorded in heads.items():
            self.breach(
                "case_missing",
                f"the heads hash records the case at {recorded!r} but none of its events is in the log",
                None, None, case_id,
            )

"""Folding a partition's log entries, read raw, into case views as the worker would (rebuild and replay).

The rules of what the worker makes of an entry, applied here without its retries and parking:
- an entry with no readable case id and version (or of another partition's case) is ignored
  (the worker parks it and changes no view);
- an event that cannot be decoded or applied is skipped and its case marked stale (the
  worker parks it after its retries, then does the same);
- a version missing from the log (a gap the store cannot fill) is skipped, marked stale.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.readmodel.decoding import read_current, read_event, read_head
from shared.readmodel.fold import CaseView, Fold
from shared.store.audit_pass import Entry, Head
from shared.store.port import EventStorePort


class _Recorded(msgspec.Struct):
    case_id: str
    recorded_at: datetime


_recorded_decoder = msgspec.json.Decoder(_Recorded)


class PartitionFold:
    """Every case of one partition, folded from its log entries in log order, chunk by chunk.

    ``until``: fold each case only up to its last event recorded at or before that instant (the
    case as it stood then; never across a gap: a case stops at its first event recorded later).
    """

    def __init__(self, store: EventStorePort, partition: int, until: datetime | None = None) -> None:
        self.store = store
        self.partition = partition
        self.until = until
        self.folds: dict[str, Fold | None] = {}
        """Case id -> its fold; None for a case of another partition (ignored here; the worker parks them)."""
        self._cut: set[str] = set()

    def chunk(self, entries: list[Entry]) -> list[Head | None]:
        """Fold a chunk; returns, per entry, its event if it was read in one decode of the current schema
        (the chain check takes its case and version from it, ``PartitionCheck.feed``), else None."""
        folds = self.folds
        heads: list[Head | None] = []
        keep = heads.append
        until = self.until
        for _, fields in entries:
            # The append script's layout (n, prev, hash, e) is read by position; anything else by name.
            if len(fields) == 8 and fields[0] == b"n" and fields[2] == b"prev" and fields[4] == b"hash" \
                    and fields[6] == b"e" and fields[1].isdigit():
                data = fields[7]
            else:
                self._odd(fields)
                keep(None)
                continue
            if until is not None and self._after(data, until):
                keep(None)
                continue
            event = read_current(data)
            if event is None:
                self._fold_data(data)  # an older schema, an unknown type, or unreadable: the general path
                keep(None)
                continue
            keep(event)
            case_id = event.case_id
            fold = folds[case_id] if case_id in folds else self._fold_of(case_id)
            if fold is not None:
                fold.take(event)  # a failing rule leaves the view stale, as the worker's parking does
        return heads

    def views(self) -> dict[str, CaseView]:
        """Every case's view as folded so far (cases of which nothing could be folded are left out)."""
        result: dict[str, CaseView] = {}
        for case_id, fold in self.folds.items():
            view = fold.view() if fold is not None else None
            if view is not None:
                result[case_id] = view
        return result

    def _odd(self, fields: list[bytes]) -> None:
        """An entry not in the append script's exact layout: read by name if the worker could read it."""
        named = dict(zip(fields[::2], fields[1::2], strict=False))
        if b"e" not in named or not named.get(b"n", b"").isdigit() or b"prev" not in named or b"hash" not in named:
            return  # the worker cannot read such an entry either: it parks it and changes no view
        data = named[b"e"]
        if self.until is None or not self._after(data, self.until):
            self._fold_data(data)

    def _after(self, data: bytes, until: datetime) -> bool:
        """True if this event is past ``until`` for its case: recorded later, or after such an event."""
        try:
            recorded = _recorded_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return False  # folded (or skipped as unreadable) as the worker would: the time is unknown
        if recorded.case_id in self._cut:
            return True
        if recorded.recorded_at > until:
            self._cut.add(recorded.case_id)
            return True
        return False

    def _fold_data(self, data: bytes) -> None:
        """Fold one readable entry's event bytes into its case, through ``read_event``'s every path."""
        try:
            event = read_event(data)
        except Exception:
            head = read_head(data)
            if head is not None:
                case_id, version = head
                stale = self.folds[case_id] if case_id in self.folds else self._fold_of(case_id)
                if stale is not None:
                    stale.skip_to(version)
            return
        fold = self.folds[event.case_id] if event.case_id in self.folds else self._fold_of(event.case_id)
        if fold is not None:
            fold.take(event)

    def _fold_of(self, case_id: str) -> Fold | None:
        """A new case's fold; None for a case of another partition."""
        fold = Fold(None, case_id) if self.store.partition_of(case_id) == self.partition else None
        self.folds[case_id] = fold
        return fold

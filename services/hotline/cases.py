"""Case states for decide: folded from the store, kept in memory, never trusted past the case head.

A case that cannot be folded (another kind of case, or an event this build cannot read) is
``Unusable`` for the reports naming it, and only for them: the rest of the batch goes on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from services.hotline.domain import CaseState, UnexpectedEvent, fold
from services.hotline.domain import reasons as reasons
from shared.access.visibility import author_of
from shared.events import AnyEvent, encode_event
from shared.store import RecordedEvent
from shared.store.chain import GENESIS, link
from shared.store.port import EventStorePort


@dataclass(frozen=True, slots=True)
class Loaded:
    """A case state and the hash of its last event (what the next append must link to)."""

    state: CaseState
    head_hash: str


log = structlog.get_logger("hotline")


@dataclass(frozen=True, slots=True)
class Unusable:
    """A case the hotline cannot decide on, the rejection code and message its reports get, and the units that
    recorded its events (only they are told what the case is: anyone else hears there is no such case)."""

    code: str
    message: str
    authors: frozenset[str] = frozenset()


def _unusable(case_id: str, err: Exception, recorded: Sequence[RecordedEvent]) -> Unusable:
    authors = frozenset(author_of(entry.data) for entry in recorded)
    if isinstance(err, UnexpectedEvent):
        return Unusable(reasons.WRONG_CASE_KIND, f"case_id: {case_id} is not a hotline case (its events are another "
                        "service's: incident, handover, patrol or meeting)", authors)
    log.error("case_unreadable", case_id=case_id, error=f"{type(err).__name__}: {err}")
    return Unusable(reasons.CASE_UNREADABLE, f"case_id: case {case_id} holds an event this version of the hotline "
                    "cannot read; nothing was decided (tell the operator: the service needs upgrading)", authors)


def advance(before: Loaded, events: Sequence[AnyEvent], head_hash: str | None = None) -> Loaded:
    """The case after ``events`` are appended: folded, and the chain extended as the store will
    (``head_hash``: the hash the store reported for the last of them, which saves hashing again)."""
    if head_hash is None:
        head_hash = before.head_hash
        for event in events:
            head_hash = link(head_hash, encode_event(event))
    return Loaded(fold(before.state.case_id, events, before.state), head_hash)


class CaseCache:
    """An LRU of case states. A cached state is used only when it matches the case head read from Redis."""

    def __init__(self, store: EventStorePort, max_cases: int) -> None:
        self.store = store
        self.max_cases = max_cases
        self._cases: OrderedDict[str, Loaded] = OrderedDict()

    async def load(self, case_id: str, head: tuple[int, str] | None = None) -> Loaded | Unusable:
        """The case as it stands; ``head`` is its (version, hash) if just read, else the store is asked."""
        return (await self.load_many({case_id: head}))[case_id]

    def next_version(self, case_id: str) -> int:
        """The first version this process does not hold of a case (1 if it holds none): where a read should start."""
        cached = self._cases.get(case_id)
        return 1 if cached is None else cached.state.version + 1

    async def load_many(
        self, wanted: dict[str, tuple[int, str] | None], read: dict[str, tuple[int, list[RecordedEvent]]] | None = None
    ) -> dict[str, Loaded | Unusable]:
        """Several cases at once; those not served from memory (or from ``read``) are read in one round trip.

        A cached state is used only when it matches the head just read (``wanted[case]``);
        without a head the case is read from the store. ``read``: events already read (case id ->
        the first version read, the events from it on), used only when they end at that head.
        """
        loaded: dict[str, Loaded | Unusable] = {}
        misses: list[str] = []
        behind: dict[str, Loaded] = {}
        """Cached states the head moved past (another process appended): only the newer events are read."""
        for case_id, head in wanted.items():
            cached = self._cases.get(case_id)
            if head is not None:
                version, head_hash = head
                if cached is not None and cached.state.version == version and cached.head_hash == head_hash:
                    self._cases.move_to_end(case_id)
                    loaded[case_id] = cached
                    continue
                if version == 0:
                    loaded[case_id] = self._keep(Loaded(CaseState(case_id=case_id), GENESIS))
                    continue
                if read is not None and self._from_read(case_id, head, cached, read.get(case_id), loaded):
                    continue
                if cached is not None and 0 < cached.state.version < version:
                    behind[case_id] = cached
            misses.append(case_id)
        starts = [behind[c].state.version + 1 if c in behind else 1 for c in misses]
        again: list[str] = []
        for case_id, recorded in zip(misses, await self.store.read_cases(misses, starts), strict=True):
            base = behind.get(case_id)
            if base is not None:
                # The newer events extend the cached state only if the first links to its head hash
                # (the chain then proves the rest follows it); otherwise the case is read whole.
                if recorded and recorded[0].prev == base.head_hash:
                    try:
                        state = fold(case_id, (entry.event() for entry in recorded), base.state)
                    except Exception:  # read whole below: who recorded in it decides what its reports are told
                        self.forget(case_id)
                        again.append(case_id)
                        continue
                    loaded[case_id] = self._keep(Loaded(state, recorded[-1].hash))
                else:
                    again.append(case_id)
                continue
            self._load_whole(case_id, recorded, loaded)
        # A miss: read the whole case. Cases are short (tens of events), and a full read
        # cannot be fooled by a store that was emptied and refilled.
        if again:
            for case_id, recorded in zip(again, await self.store.read_cases(again), strict=True):
                self._load_whole(case_id, recorded, loaded)
        return loaded

    def _from_read(
        self, case_id: str, head: tuple[int, str], cached: Loaded | None,
        read: tuple[int, list[RecordedEvent]] | None, loaded: dict[str, Loaded | Unusable],
    ) -> bool:
        """Load the case from events read earlier, if they reach exactly ``head``; False if they cannot serve.

        Read from version 1 they are the whole case; read from later, they extend the cached state
        only if it is the one they were read past and the first links to its head hash.
        """
        if read is None:
            return False
        start, recorded = read
        version, head_hash = head
        if not recorded or recorded[-1].hash != head_hash or start + len(recorded) - 1 != version:
            return False  # the case moved between the head and the read, or the read missed it
        if start == 1:
            self._load_whole(case_id, recorded, loaded)
            return True
        if cached is None or cached.state.version != start - 1 or recorded[0].prev != cached.head_hash:
            return False
        try:
            state = fold(case_id, (entry.event() for entry in recorded), cached.state)
        except Exception:  # read whole by the caller: who recorded in it decides what its reports are told
            self.forget(case_id)
            return False
        loaded[case_id] = self._keep(Loaded(state, head_hash))
        return True

    def _load_whole(
        self, case_id: str, recorded: Sequence[RecordedEvent], loaded: dict[str, Loaded | Unusable]
    ) -> None:
        if not recorded:
            loaded[case_id] = self._keep(Loaded(CaseState(case_id=case_id), GENESIS))
            return
        try:
            state = fold(case_id, (entry.event() for entry in recorded))
        except Exception as err:  # this case only: its reports are refused, the batch goes on
            self.forget(case_id)
            loaded[case_id] = _unusable(case_id, err, recorded)
            return
        loaded[case_id] = self._keep(Loaded(state, recorded[-1].hash))

    def appended(self, before: Loaded, events: Sequence[AnyEvent]) -> Loaded:
        """Remember the case after our own append: fold the events and extend the chain as the store did."""
        return self._keep(advance(before, events))

    def keep(self, loaded: Loaded) -> Loaded:
        """Remember a case state (one whose append was just recorded)."""
        return self._keep(loaded)

    def forget(self, case_id: str) -> None:
        """Drop a case whose cached state may be stale (a conflict, an append that turned out a duplicate)."""
        self._cases.pop(case_id, None)

    def _keep(self, loaded: Loaded) -> Loaded:
        case_id = loaded.state.case_id
        self._cases[case_id] = loaded
        self._cases.move_to_end(case_id)
        while len(self._cases) > self.max_cases:
            self._cases.popitem(last=False)
        return loaded

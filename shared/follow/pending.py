"""A follower's retry schedule for one partition: which of its pending entries to hand again, and when.

Kept in memory only: if the process dies, its entries stay pending in the group and another
consumer's sweep takes them over (in log order) once idle for ``reclaim_idle_ms``. Waits are
capped below half of that, so no other consumer takes an entry over while it waits for a retry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Iterable

FIRST_WAIT_S = 0.05
"""Wait before the first retry of an entry that failed; doubled with every delivery."""


def log_order(position: str) -> tuple[int, int]:
    """Sort key of a log position (``ms-seq``)."""
    ms, _, seq = position.partition("-")
    return int(ms), int(seq or 0)


class Schedule:
    """Entries of one partition this consumer holds and will hand again, with the cases they hold back."""

    def __init__(self, max_wait_s: float, first_wait_s: float = FIRST_WAIT_S) -> None:
        self.max_wait_s = max_wait_s
        self.first_wait_s = min(first_wait_s, max_wait_s)
        self._due: dict[str, float] = {}
        self._failed: set[str] = set()
        """Entries that failed themselves: their retry counts as a delivery."""
        self._case: dict[str, str] = {}
        self._waits: dict[str, int] = {}
        """Times an entry waited without a failed entry of its case to wait for (its waits double too)."""

    def fail(self, position: str, case: str | None, deliveries: int) -> None:
        """The entry failed on its ``deliveries``-th delivery: retry it after a wait doubled each time."""
        wait = min(self.first_wait_s * 2 ** max(deliveries - 1, 0), self.max_wait_s)
        self._put(position, case, time.monotonic() + wait)
        self._failed.add(position)

    def wait(self, position: str, case: str | None) -> None:
        """The entry waits behind an earlier one of its case (or was not finished): retry it with that one."""
        blockers = [self._due[p] for p, c in self._case.items() if c == case and p != position and p in self._failed]
        if not blockers:
            self._waits[position] = self._waits.get(position, 0) + 1
        alone = time.monotonic() + min(self.first_wait_s * 2 ** (self._waits.get(position, 1) - 1), self.max_wait_s)
        self._put(position, case, min(blockers, default=alone))
        self._failed.discard(position)

    def resume(self, positions: Iterable[str]) -> None:
        """Hand these again now (the loop failed while holding them); a retry after that counts as a delivery."""
        now = time.monotonic()
        for position in positions:
            if position not in self._due:
                self._due[position] = now
                self._failed.add(position)

    def release(self, position: str) -> None:
        """The entry was parked: forget it, and hand the entries of its case that waited behind it now."""
        case = self._case.get(position)
        self.forget([position])
        now = time.monotonic()
        for waiting, c in self._case.items():
            if c == case and case is not None:
                self._due[waiting] = min(self._due[waiting], now)

    def forget(self, positions: Iterable[str]) -> None:
        """Nothing more to do for these (done, parked, gone, or another consumer's now)."""
        for position in positions:
            self._due.pop(position, None)
            self._case.pop(position, None)
            self._waits.pop(position, None)
            self._failed.discard(position)

    def holds(self, case: str | None, position: str, handing: Collection[str]) -> bool:
        """True if an earlier entry of ``case`` waits for a retry and is not among the entries being handed."""
        if case is None:
            return False
        key = log_order(position)
        return any(
            c == case and p not in handing and log_order(p) < key for p, c in self._case.items()
        )

    def counts(self, position: str) -> bool:
        """True if handing the entry again counts as one more delivery (it failed, or the loop did)."""
        return position in self._failed

    def due(self) -> list[str]:
        """The entries whose retry is due, in log order."""
        now = time.monotonic()
        return sorted((p for p, t in self._due.items() if t <= now), key=log_order)

    def next_due(self) -> float:
        """When the next retry is due (``time.monotonic()`` clock; infinity if none)."""
        return min(self._due.values(), default=math.inf)

    def _put(self, position: str, case: str | None, due: float) -> None:
        self._due[position] = due
        if case is not None:
            self._case[position] = case

"""What a write under a partition lease raises when the lease is another worker's now (ADR 0022)."""

from __future__ import annotations


class LeaseLost(Exception):
    """A write was fenced: another worker holds this partition's lease now; its entries are its."""

    def __init__(self, partition: int, fence: str | None = None) -> None:
        super().__init__(f"partition {partition}: the lease is another worker's now")
        self.partition = partition
        self.fence = fence
        """The lease the refused write was made under (None: the follower found it held none)."""


FENCED = "FENCED"
"""How a script that checks a lease starts its refusal (``write_views.lua``, the fenced park)."""


def raise_if_fenced(error: Exception, partition: int, fence: str | None) -> None:
    """Raise LeaseLost if ``error`` is a script's refusal to write under a lease that is no longer ``fence``."""
    if str(error).startswith(FENCED):
        raise LeaseLost(partition, fence) from None

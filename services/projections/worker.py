"""The projections worker: one consumer of the projections group on every partition log.

The reading is shared/follow's log follower (group created at ``0``, batches, retries with backoff,
the XAUTOCLAIM sweep, departed consumers forgotten only when idle and empty, one read per partition).
The Projector is its handler: it folds a batch into the views and acks what it covered inside its
view-write script (atomic with the views), parks a poison event itself in the follower's parking
store (the partition's ``parked`` hash, which ``liaison parked`` lists) so its case goes on past it
in that same write, and tells the follower which entries failed and which wait.

With ``leases`` (what the service runs), the workers divide the partitions between them (ADR 0022):
each partition is projected by the one worker holding its lease, whose view writes carry the lease as a
fence; without, every worker reads every partition and the write script's stale-base refusal keeps the
views right.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence

import structlog
from redis.asyncio import Redis

from services.projections.projector import MAX_DELIVERIES, Projector
from shared.follow import Follower
from shared.follow.leases import LEASE_MS, TICK_S, Leases
from shared.intake.consumers import IDLE_BEFORE_FORGOTTEN_MS
from shared.store import keys
from shared.store.port import EventStorePort

READ_COUNT = 200
BLOCK_MS = 1000
RECLAIM_IDLE_MS = 30_000

log = structlog.get_logger("projections")


def default_consumer() -> str:
    """``host-pid``: unique per worker process (only a name: nothing judges a consumer by it)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Worker:
    """Consumes every partition log into the case views, through one log follower."""

    def __init__(
        self,
        redis: Redis,
        store: EventStorePort,
        *,
        consumer: str | None = None,
        partitions: Sequence[int] | None = None,
        count: int = READ_COUNT,
        block_ms: int = BLOCK_MS,
        reclaim_idle_ms: int = RECLAIM_IDLE_MS,
        max_deliveries: int = MAX_DELIVERIES,
        give_up_after: int | None = None,
        group: str = keys.PROJECTIONS_GROUP,
        forget_idle_ms: int = IDLE_BEFORE_FORGOTTEN_MS,
        leases: bool = False,
        lease_ms: int = LEASE_MS,
        lease_tick_s: float = TICK_S,
        lease_stuck_ms: int | None = None,
    ) -> None:
        self.store = store
        self.consumer = consumer or default_consumer()
        self.group = group
        self.projector = Projector(
            redis, store, self.consumer, group=group, max_deliveries=max_deliveries, give_up_after=give_up_after
        )
        chosen = list(range(store.partitions) if partitions is None else partitions)
        self.leases = Leases(redis, group, self.consumer, chosen, lease_ms=lease_ms, tick_s=lease_tick_s,
                             stuck_ms=lease_stuck_ms) if leases else None
        # give_up_after=None: the projector parks worn-out entries itself, so their case goes on past them.
        self.follower = Follower(
            redis, store, group, self.consumer, self.projector.handle, partitions=partitions, count=count,
            block_ms=block_ms, reclaim_idle_ms=reclaim_idle_ms, max_deliveries=max_deliveries,
            give_up_after=None, forget_idle_ms=forget_idle_ms, service="projections", leases=self.leases,
        )
        self.partitions = self.follower.partitions

    @property
    def failures(self) -> int:
        """Loop iterations that failed (Redis unreachable, group gone, a bug) and were retried."""
        return self.follower.stats.failures

    @property
    def sweeps(self) -> int:
        """Sweeps (XAUTOCLAIM, then departed consumers forgotten) finished; the first runs at start."""
        return self.follower.stats.sweeps

    async def ensure_groups(self) -> None:
        """Create the projections group at 0 (the whole log) on every partition, if it is not there."""
        await self.follower.ensure_groups()

    def stop(self) -> None:
        """Ask the loops to finish their current batch and end."""
        self.follower.stop()

    async def run(self) -> None:
        """Run until ``stop()`` (or cancellation); never ends on a bad entry or a lost connection."""
        log.info("projections worker started", consumer=self.consumer, partitions=len(self.partitions),
                 leases=self.leases is not None)
        try:
            await self.follower.run()
        finally:
            s = self.projector.stats
            log.info("projections worker stopped", consumer=self.consumer, events=s.events, written=s.written,
                     acked=s.acked, parked=s.parked)

"""Where a follower's given-up entries go, and how many times the group handed entries out.

One hash per partition and group, log position -> JSON record (reason, case_id, version, deliveries,
consumer). The projections group's is the partition's ``parked`` hash, which ``liaison parked`` lists
and retries; any other group's is that key with ``:<group>`` appended (the incidents' hotline-event
reader parks in ``liaison:{pN}:parked:incidents``). Each park also adds 1 to the group's field of the
partition's ``metrics:parked`` hash (only ever incremented: a counter), in the same transaction. Under a
partition lease (ADR 0022) the park is made only while the lease is still the one given (a script checks
it, as the view write does): a worker that lost its lease leaves no parked record behind.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.follow.fencing import raise_if_fenced
from shared.redis_client import text
from shared.store import EventStore, keys
from shared.store.keys import PartitionKeys

_FENCED_PARK = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return redis.error_reply('FENCED the lease of this partition is not ' .. ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
return 1
"""
"""KEYS: parked, parked counts, the group's lease. ARGV: the lease held, position, record, group."""


def parked_key(store: EventStore, partition: int, group: str) -> str:
    """Hash of the entries ``group`` parked in one partition."""
    return store.keys(partition).parked_by(group)


def parked_count_key(store: EventStore, partition: int) -> str:
    """Hash: group -> entries it ever parked in this partition (a counter for the metrics)."""
    return store.keys(partition).parked_counts


class Parking:
    """The parking store and delivery counts of one consumer of one group."""

    def __init__(
        self, redis: Redis, group: str, consumer: str, *, service: str = "follower"
    ) -> None:
        self.redis = redis
        self.group = group
        self.consumer = consumer
        self.parked = 0
        """Entries this consumer parked."""
        self.log = structlog.get_logger(service)
        self._fenced_park = redis.register_script(_FENCED_PARK)

    async def park(self, partition: int, position: str, reason: str, *, case_id: str | None = None,
                   version: int | None = None, deliveries: int | None = None, fence: str | None = None) -> None:
        """Record why an entry was given up; the entry is then acked (by whoever handles its batch). ``fence``:
        the partition's lease this consumer holds; raises ``LeaseLost`` (recording nothing) if it holds it no more."""
        record = {"reason": reason, "case_id": case_id, "version": version or None, "deliveries": deliveries,
                  "consumer": self.consumer}
        k = PartitionKeys(partition)
        if fence is not None:
            try:
                await self._fenced_park(keys=[k.parked_by(self.group), k.parked_counts,
                                              keys.lease(partition, self.group)],
                                        args=[fence, position, json.dumps(record, sort_keys=True), self.group])
            except ResponseError as exc:
                raise_if_fenced(exc, partition, fence)
                raise
        else:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(k.parked_by(self.group), position, json.dumps(record, sort_keys=True))
                pipe.hincrby(k.parked_counts, self.group, 1)
                await pipe.execute()
        self.parked += 1
        self.log.error("log entry parked", group=self.group, partition=partition, position=position, **record)

    async def is_parked(self, partition: int, position: str) -> bool:
        """True if the group parked this entry (this consumer or another)."""
        return bool(await self.redis.hexists(PartitionKeys(partition).parked_by(self.group), position))

    async def deliveries(self, partition: int, positions: Collection[str]) -> dict[str, int]:
        """Times the group handed out each entry still pending (one pipelined XPENDING per entry)."""
        return {position: count for position, (_, count) in (await self.pending(partition, positions)).items()}

    async def pending(self, partition: int, positions: Collection[str]) -> dict[str, tuple[str, int]]:
        """Owner and delivery count of each entry still pending in the group."""
        if not positions:
            return {}
        log = PartitionKeys(partition).log
        async with self.redis.pipeline(transaction=False) as pipe:
            for position in positions:
                pipe.xpending_range(log, self.group, min=position, max=position, count=1)
            replies: list[Any] = await pipe.execute()
        return {
            text(found[0]["message_id"]): (text(found[0]["consumer"]), int(found[0]["times_delivered"]))
            for found in replies
            if found
        }

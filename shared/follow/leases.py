"""Partition leases: the workers of one group divide the partitions, each written by one worker at a time.

Every ``tick_s`` a worker renews its membership (a sorted set scored by Redis's own clock, so no two
workers' clocks are compared), reads the live members, and wants the partitions ``p`` with
``members[p % n] == itself`` (members sorted by name, so every worker computes the same split). It
releases the leases it should no longer hold, renews those it keeps and takes the free ones it wants.

A lease is a key with a TTL holding ``<consumer> <epoch>``; the epoch counts every taking of the lease
and is the fencing token. A writer passes the value it holds, and the projections' view-write script
refuses (``FENCED``) when the key holds anything else: a worker that lost its lease (paused past the TTL,
cut off from Redis) cannot write a view once the next holder may have started (ADR 0022).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import structlog
from redis.asyncio import Redis

from shared.redis_client import text
from shared.store import keys

LEASE_MS = 5_000
"""A lease (and a membership) lapses this long after its last renewal: a dead worker's partitions are taken
over within it (ADR 0022: 5 s of a dead worker's partitions unprojected, against one renewal a second)."""

TICK_S = 1.0
"""How often a worker renews and rebalances: a newcomer gets its share within two ticks."""

STUCK_LEASES = 6
"""A partition loop showing no progress for this many lease times (30 s) is taken as hung (ADR 0022): far above
any batch that makes progress, since a batch beats at every step (``Batch.beat``)."""

_JOIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[2] == '0' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""
"""KEYS: members. ARGV: consumer, TTL ms (0: leave). Reply: the live members."""

_TAKE = """
local current = redis.call('GET', KEYS[1])
if ARGV[3] ~= '' then
  if current == ARGV[3] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return ARGV[3]
  end
  return false
end
if current then
  return false
end
local value = ARGV[1] .. ' ' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
"""
"""KEYS: lease, epochs. ARGV: consumer, TTL ms, the value held ("" to take a free lease).
Reply: the value now held, or nil (the lease is another's, or was lost: even this worker's own value, which it
forgot, is left to lapse: two processes may share a consumer name)."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
"""KEYS: lease. ARGV: the value held. Deletes the lease only if it is still this holder's."""

log = structlog.get_logger("leases")


def wanted(members: Sequence[str], me: str, partitions: Sequence[int]) -> set[int]:
    """The partitions ``me`` should hold among ``members`` (sorted): every n-th, so shares differ by one at most."""
    if me not in members:
        return set()
    n, i = len(members), list(members).index(me)
    return {p for p in partitions if p % n == i}


class Leases:
    """One worker's leases on the partitions of ``group``: which it holds now, and the fence of each."""

    def __init__(
        self, redis: Redis, group: str, consumer: str, partitions: Sequence[int], *,
        lease_ms: int = LEASE_MS, tick_s: float = TICK_S, stuck_ms: int | None = None,
    ) -> None:
        self.redis, self.group, self.consumer = redis, group, consumer
        self.partitions = list(partitions)
        self.lease_ms, self.tick_s = lease_ms, tick_s
        self.stuck_ms = STUCK_LEASES * lease_ms if stuck_ms is None else stuck_ms
        self._held: dict[int, str] = {}
        self._renewed: dict[int, float] = {}
        """When each lease held was last renewed (monotonic): one not renewed within a lease is not used."""
        self._beats: dict[int, float] = {}
        """When each partition's loop last showed progress (a round, or a step of a batch: ``beat``)."""
        self._join = redis.register_script(_JOIN)
        self._take = redis.register_script(_TAKE)
        self._release = redis.register_script(_RELEASE)

    def fence(self, partition: int) -> str | None:
        """The lease value this worker holds on ``partition`` (its fencing token), or None if it holds none."""
        value = self._held.get(partition)
        if value is not None and time.monotonic() - self._renewed.get(partition, 0.0) > self.lease_ms / 1000:
            del self._held[partition]  # not renewed within a lease: another worker may hold it by now
            return None
        return value

    def held(self) -> list[int]:
        """The partitions held now, in order."""
        return sorted(p for p in self.partitions if self.fence(p) is not None)

    def lost(self, partition: int, fence: str | None) -> None:
        """A write under ``fence`` was refused: stop using that lease before the next tick says so (a newer one
        this worker took meanwhile is kept)."""
        if fence is not None and self._held.get(partition) == fence:
            del self._held[partition]

    def beat(self, partition: int) -> None:
        """The partition's loop made progress: went round, or finished a step of a long batch."""
        self._beats[partition] = time.monotonic()

    async def tick(self) -> None:
        """Renew the membership, then release, renew and take leases toward this worker's share; a partition
        whose Redis call fails keeps its lease until it lapses, the others go on."""
        started = time.monotonic()
        # A loop that has shown no progress for ``stuck_ms`` (a call that never returns) does not renew its lease,
        # which lapses; and the worker leaves the members until it moves again, so the others divide every
        # partition, that one and the entries it holds included. A long batch that beats is never stuck.
        stuck = {p for p in self.partitions if started - self._beats.setdefault(p, started) > self.stuck_ms / 1000}
        # Sorted here by name: Redis orders them by when they lapse, which differs between ticks.
        members = sorted(text(m) for m in await self._join(keys=[keys.members(self.group)],
                                                           args=[self.consumer, 0 if stuck else self.lease_ms]))
        want = wanted(members, self.consumer, self.partitions)
        held: dict[int, str] = {}
        taken: list[int] = []
        released: list[int] = []
        for p in self.partitions:
            value = self._held.get(p, "")
            try:
                if p in stuck:
                    if value:
                        log.error("partition loop stuck; its lease is left to lapse", group=self.group, partition=p,
                                  consumer=self.consumer)
                elif value and p not in want:
                    await self._release(keys=[keys.lease(p, self.group)], args=[value])
                    released.append(p)
                elif p in want:
                    got = await self._take(keys=[keys.lease(p, self.group), keys.lease_epochs(p, self.group)],
                                           args=[self.consumer, self.lease_ms, value])
                    if got is not None:
                        held[p] = text(got)
                        self._renewed[p] = started
                        if held[p] != value:
                            taken.append(p)
                    elif value:
                        log.warning("lease lost", group=self.group, partition=p, consumer=self.consumer)
            except Exception as exc:  # this partition's master may be failing over: the others go on
                if value:
                    held[p] = value  # kept until it lapses (fence() then stops using it)
                log.warning("lease renewal failed for a partition", group=self.group, partition=p,
                            consumer=self.consumer, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        self._held = held
        if taken or released:  # one line per change, not per partition (16 at a worker's start)
            log.info("leases changed", group=self.group, consumer=self.consumer, taken=taken, released=released,
                     holding=sorted(held))

    async def run(self, stopping: asyncio.Event) -> None:
        """Tick until ``stopping`` is set, then release every lease and leave (so others take over at once)."""
        while not stopping.is_set():
            try:
                await self.tick()
            except Exception as exc:  # a cluster's "cannot be connected" is no RedisError: never die
                # The leases lapse by themselves; fence() stops using them in time.
                log.warning("lease renewal failed; retrying", group=self.group, consumer=self.consumer,
                            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            try:
                async with asyncio.timeout(self.tick_s):
                    await stopping.wait()
            except TimeoutError:
                pass
        await self.leave()

    async def leave(self) -> None:
        """Release every lease held and the membership (best effort: they lapse by themselves anyway)."""
        held, self._held = self._held, {}
        try:
            for p, value in held.items():
                await self._release(keys=[keys.lease(p, self.group)], args=[value])
            await self._join(keys=[keys.members(self.group)], args=[self.consumer, 0])
        except Exception as exc:  # best effort on the way out, whatever the client raises
            log.warning("could not release the leases; they lapse by themselves", group=self.group, error=str(exc))

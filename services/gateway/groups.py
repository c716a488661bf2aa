"""The consumer groups on the streams Liaison's services read: who reads what, and how far behind.

``/health`` checks that each service's group exists; ``/metrics`` exports their lag and pending
counts. One pipelined XINFO GROUPS per stream: the intake stream of every service the gateway
routes reports to (group named after the service) and every partition log (``projections``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.redis_client import text
from shared.reports import SERVICE_OF
from shared.store import EventStore, keys


@dataclass(frozen=True)
class GroupInfo:
    """One consumer group on one stream, as XINFO GROUPS reports it."""

    name: str
    consumers: int
    pending: int
    lag: int | None
    """Entries not yet delivered to the group; None when Redis cannot tell (after deletions)."""


@dataclass(frozen=True)
class StreamGroups:
    """A stream a service reads, the group expected on it, and the groups found."""

    stream: str
    expected_group: str
    partition: int | None
    """The partition of a log stream; None for an intake stream."""
    exists: bool
    groups: tuple[GroupInfo, ...]

    def group(self, name: str) -> GroupInfo | None:
        """The named group, if it exists."""
        return next((g for g in self.groups if g.name == name), None)



def _group(raw: dict[Any, Any]) -> GroupInfo:
    lag = raw.get("lag")
    return GroupInfo(
        name=text(raw["name"]),
        consumers=int(raw["consumers"]),
        pending=int(raw["pending"]),
        lag=None if lag is None else int(lag),
    )


def watched_streams(store: EventStore | None) -> list[tuple[str, str, int | None]]:
    """(stream, expected group, partition) of every stream whose readers the gateway watches."""
    watched: list[tuple[str, str, int | None]] = [
        (keys.intake(service), service, None) for service in sorted(set(SERVICE_OF.values()))
    ]
    if store is not None:
        watched += [(store.keys(p).log, keys.PROJECTIONS_GROUP, p) for p in range(store.partitions)]
    return watched


async def consumer_groups(redis: Redis, store: EventStore | None) -> list[StreamGroups]:
    """The groups of every watched stream (a missing stream is reported, not raised)."""
    watched = watched_streams(store)
    async with redis.pipeline(transaction=False) as pipe:
        for stream, _, _ in watched:
            pipe.xinfo_groups(stream)
        replies = await pipe.execute(raise_on_error=False)
    result = []
    for (stream, expected, partition), reply in zip(watched, replies, strict=True):
        if isinstance(reply, ResponseError):
            if "no such key" not in str(reply).lower():
                raise reply
            result.append(StreamGroups(stream, expected, partition, exists=False, groups=()))
            continue
        if isinstance(reply, Exception):
            raise reply
        groups = tuple(_group(raw) for raw in reply)
        result.append(StreamGroups(stream, expected, partition, exists=True, groups=groups))
    return result

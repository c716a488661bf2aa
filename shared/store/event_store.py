"""The event store: append atomically to a case, read a case, read a partition, read the heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.events import AnyEvent, decode_event, encode_event
from shared.store import keys
from shared.store.chain import GENESIS, link
from shared.store.errors import ConcurrencyConflict, InvalidAppend, StoreNotInitialised

STORE_FORMAT = "1"


def _script(name: str) -> str:
    return resources.files("shared.store").joinpath(name).read_text(encoding="utf-8")


class _EventHead(msgspec.Struct):
    case_id: str
    case_version: int
    event_id: str
    type: str


_head_decoder = msgspec.json.Decoder(_EventHead)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One entry of a partition log: where it sits, its chain link, and the event's canonical bytes."""

    partition: int
    position: str
    number: int
    prev: str
    hash: str
    data: bytes

    def event(self) -> AnyEvent:
        """The decoded (and, if old, upcast) event."""
        return decode_event(self.data)

    def head(self) -> tuple[str, int, str, str]:
        """Case id, case version, event id and type, without decoding the whole event."""
        h = _head_decoder.decode(self.data)
        return h.case_id, h.case_version, h.event_id, h.type

    @classmethod
    def from_entry(cls, partition: int, entry_id: bytes | str, fields: dict[bytes, bytes]) -> RecordedEvent:
        """Build from an XRANGE/XREADGROUP entry."""
        position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        return cls(
            partition=partition,
            position=position,
            number=int(fields[b"n"]),
            prev=fields[b"prev"].decode(),
            hash=fields[b"hash"].decode(),
            data=fields[b"e"],
        )


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append recorded: the case's new version and the log positions of its events."""

    case_id: str
    partition: int
    version: int
    positions: tuple[str, ...]
    duplicate: bool = False
    """True when this append (or its command) had already been recorded: nothing new was written."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _pairs(raw: list[Any]) -> dict[bytes, bytes]:
    return {raw[i]: raw[i + 1] for i in range(0, len(raw), 2)}


class EventStore:
    """A partitioned, hash-chained event log on Redis (decisions 1-4); use ``open`` or ``create``."""

    def __init__(self, redis: Redis, partitions: int) -> None:
        self.redis = redis
        self.partitions = partitions
        self._keys = [keys.PartitionKeys(p) for p in range(partitions)]
        self._append = redis.register_script(_script("append.lua"))
        self._read_case = redis.register_script(_script("read_case.lua"))

    @classmethod
    async def create(cls, redis: Redis, partitions: int) -> EventStore:
        """Create the store with N partitions, or open it if it exists (N is then the recorded one)."""
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        await redis.hsetnx(keys.META, "partitions", str(partitions))
        await redis.hsetnx(keys.META, "format", STORE_FORMAT)
        return await cls.open(redis)

    @classmethod
    async def open(cls, redis: Redis) -> EventStore:
        """Open an existing store; raises StoreNotInitialised if there is none."""
        recorded = await redis.hget(keys.META, "partitions")
        if recorded is None:
            raise StoreNotInitialised("no Liaison store in this Redis (no partition count recorded)")
        return cls(redis, int(recorded))

    def partition_of(self, case_id: str) -> int:
        """The partition a case lives in."""
        return keys.partition_of(case_id, self.partitions)

    def keys(self, partition: int) -> keys.PartitionKeys:
        """The keys of one partition."""
        return self._keys[partition]

    async def head(self, case_id: str) -> tuple[int, str]:
        """The case's version and head hash; (0, GENESIS) for a case with no events."""
        raw = await self.redis.hget(self.keys(self.partition_of(case_id)).heads, case_id)
        if raw is None:
            return 0, GENESIS
        version, head = _text(raw).split()
        return int(version), head

    async def append(
        self,
        case_id: str,
        events: Sequence[AnyEvent],
        expected_version: int,
        *,
        command_id: str | None = None,
        head_hash: str | None = None,
    ) -> AppendResult:
        """Append events to a case if it is at ``expected_version``; all or nothing, idempotent by event id."""
        if not events:
            raise InvalidAppend("an append needs at least one event")
        for i, event in enumerate(events):
            if event.case_id != case_id:
                raise InvalidAppend(f"event {event.event_id} belongs to case {event.case_id}, not {case_id}")
            if event.case_version != expected_version + i + 1:
                raise InvalidAppend(
                    f"event {event.event_id} has case_version {event.case_version}, "
                    f"expected {expected_version + i + 1}"
                )
        if head_hash is None:
            # A stale head only costs a refused append: the script checks the version
            # (after looking for a retry of this very append) before it writes anything.
            _, head_hash = await self.head(case_id)
        partition = self.partition_of(case_id)
        k = self.keys(partition)
        args: list[str | bytes] = [case_id, str(expected_version), command_id or "", str(len(events))]
        prev = head_hash
        for event in events:
            data = encode_event(event)
            digest = link(prev, data)
            args += [event.event_id, prev, digest, data]
            prev = digest
        try:
            reply = await self._append(keys=[k.log, k.number, k.heads, k.eids, k.cmds, k.case(case_id)], args=args)
        except ResponseError as error:
            if "LIAISON partial duplicate" not in str(error):
                raise
            # A typed refusal, not a raw Redis error: the script wrote nothing.
            raise InvalidAppend(
                f"case {case_id}: some but not all event ids of this append are already recorded; "
                "resend the original append unchanged, or give the new events new ids"
            ) from error
        status = reply[0].decode()
        if status == "conflict":
            raise ConcurrencyConflict(case_id, expected_version, int(reply[1]))
        positions = tuple(p.decode() for p in reply[1:])
        if status == "ok":
            return AppendResult(case_id, partition, expected_version + len(events), positions)
        # A retry: report the positions and version recorded the first time.
        recorded = await self.read_positions(partition, positions)
        version = recorded[-1].head()[1] if recorded else expected_version
        return AppendResult(case_id, partition, version, positions, duplicate=True)

    async def command_positions(self, case_id: str, command_id: str) -> tuple[str, ...] | None:
        """The log positions a command's events were written at, if that command was recorded."""
        raw = await self.redis.hget(self.keys(self.partition_of(case_id)).cmds, command_id)
        return None if raw is None else tuple(_text(raw).split())

    async def read_case(self, case_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """Every event of a case from ``from_version`` on, in version order."""
        partition = self.partition_of(case_id)
        k = self.keys(partition)
        raw = await self._read_case(keys=[k.log, k.case(case_id)], args=[max(from_version - 1, 0)])
        return [RecordedEvent.from_entry(partition, entry_id, _pairs(fields)) for entry_id, fields in raw]

    async def read_positions(self, partition: int, positions: Sequence[str]) -> list[RecordedEvent]:
        """The entries at given log positions of one partition, in the order given."""
        log = self.keys(partition).log
        async with self.redis.pipeline(transaction=False) as pipe:
            for position in positions:
                pipe.xrange(log, position, position)
            replies = await pipe.execute()
        return [
            RecordedEvent.from_entry(partition, entries[0][0], entries[0][1]) for entries in replies if entries
        ]

    async def read_partition(self, partition: int, after: str = "0", count: int = 1000) -> list[RecordedEvent]:
        """Up to ``count`` entries of a partition log strictly after position ``after``."""
        start = "-" if after in ("0", "0-0") else f"({after}"
        entries: list[Any] = await self.redis.xrange(self.keys(partition).log, start, "+", count=count) or []
        return [RecordedEvent.from_entry(partition, entry_id, fields) for entry_id, fields in entries]

    async def heads(self, partition: int) -> dict[str, tuple[int, str]]:
        """Every case head of a partition: case id -> (version, hash)."""
        result: dict[str, tuple[int, str]] = {}
        async for case_id, raw in self.redis.hscan_iter(self.keys(partition).heads, count=1000):
            version, head = _text(raw).split()
            result[_text(case_id)] = (int(version), head)
        return result

    async def numbered(self, partition: int) -> int:
        """How many entries the append script has numbered in a partition."""
        raw = await self.redis.get(self.keys(partition).number)
        return 0 if raw is None else int(raw)

"""The event store: append atomically to a case, read a case, read a partition, read the heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from shared.events import AnyEvent, decode_event, encode_event
from shared.redis_client import text
from shared.store import durability, keys, pipelined
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
    head_hash: str | None = None
    """The chain hash of the last event written (set by ``append_many`` for a new append)."""
    durability: durability.Level | None = None
    """Under ``EventStore.durability`` ``replica``: ``replica`` when a replica acknowledged the append before it
    returned, ``local`` when none did in time; None under the default (``local``, nothing waited for)."""


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """One append of a batch for ``EventStore.append_many``: the same arguments as ``append``."""

    case_id: str
    events: Sequence[AnyEvent]
    expected_version: int
    command_id: str | None = None
    head_hash: str | None = None
    """The case's head hash if the caller knows it (else it is read, for the whole batch in one round trip)."""


_Call = tuple[list[str], list[str | bytes]]
"""A script call: its keys and its arguments."""

AppendOutcome = AppendResult | ConcurrencyConflict | InvalidAppend
"""What one append of a batch came to: recorded (or found recorded), refused on version, or invalid."""



def check_events(case_id: str, events: Sequence[AnyEvent], expected_version: int) -> None:
    """Raise InvalidAppend unless the events are of ``case_id`` and numbered on from ``expected_version``."""
    if not events:
        raise InvalidAppend("an append needs at least one event")
    for i, event in enumerate(events):
        if event.case_id != case_id:
            raise InvalidAppend(f"event {event.event_id} belongs to case {event.case_id}, not {case_id}")
        if event.case_version != expected_version + i + 1:
            raise InvalidAppend(
                f"event {event.event_id} has case_version {event.case_version}, expected {expected_version + i + 1}"
            )


PARTIAL_DUPLICATE = ("some but not all event ids of this append are already recorded; resend the original append "
                     "unchanged, or give the new events new ids")


def _pairs(raw: list[Any]) -> dict[bytes, bytes]:
    return {raw[i]: raw[i + 1] for i in range(0, len(raw), 2)}


class EventStore:
    """A partitioned, hash-chained event log on Redis (ADR 0001, ADR 0009, ADR 0010); use ``open`` or ``create``."""

    def __init__(self, redis: Redis, partitions: int) -> None:
        self.redis = redis
        self.partitions = partitions
        self._keys = [keys.PartitionKeys(p) for p in range(partitions)]
        self._append = redis.register_script(_script("append.lua"))
        self._read_case = redis.register_script(_script("read_case.lua"))
        self.durability = durability.LOCAL
        """What an append waits for before it returns (LIAISON_DURABILITY; ADR 0024)."""

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
        version, head = text(raw).split()
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
        """Append events to a case if it is at ``expected_version``; all or nothing, idempotent by event id.

        Raises ConcurrencyConflict or InvalidAppend where ``append_many`` would return them."""
        [outcome] = await self._append_all([AppendRequest(case_id, events, expected_version, command_id, head_hash)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def append_many(self, requests: Sequence[AppendRequest]) -> list[AppendOutcome]:
        """Many appends sent in one pipelined round trip; each is checked and applied on its own.

        Every append is the same script call as ``append`` (atomic, idempotent by event and
        command id, refused unless the case is at its expected version and the chain links), so
        each is whole or absent; the batch as a whole is not a transaction. They run in the
        order given: a later append of the same case must expect the version the earlier one
        leaves (a refused earlier append makes it a conflict too); without a ``head_hash`` it
        links to the earlier one's last event. The result at index i is
        request i's: an ``AppendResult`` (``duplicate`` if it was recorded before), a
        ``ConcurrencyConflict`` or an ``InvalidAppend`` -- returned, not raised, so one refused
        append does not hide the others' outcomes. Redis failures (connection lost) are raised;
        a resend of the whole batch is then harmless, as retried appends are recognised.
        """
        return await self._append_all(requests)

    async def _append_all(self, requests: Sequence[AppendRequest]) -> list[AppendOutcome]:
        """``append_many``'s work (``append`` is one of it): kept apart, so a subclass overriding either public
        method does not see the other call it."""
        results: list[AppendOutcome | None] = [None] * len(requests)
        calls: list[_Call] = []
        sent: list[int] = []
        heads = await self._missing_heads(requests)
        for i, request in enumerate(requests):
            try:
                head_hash = request.head_hash if request.head_hash is not None else heads[request.case_id]
                call = self._append_call(request, head_hash)
            except InvalidAppend as error:
                results[i] = error
                continue
            calls.append(call)
            sent.append(i)
            heads[request.case_id] = str(call[1][-2])  # the next append of this case links to this one's last
        replies, levels = await self._run_all(self._append, calls, self.durability)
        duplicates: list[tuple[int, AppendRequest, int, tuple[str, ...], durability.Level | None]] = []
        for i, call, reply, level in zip(sent, calls, replies, levels, strict=True):
            request = requests[i]
            partition = self.partition_of(request.case_id)
            if isinstance(reply, ResponseError):
                if "LIAISON partial duplicate" not in str(reply):
                    raise reply
                results[i] = InvalidAppend(f"case {request.case_id}: {PARTIAL_DUPLICATE}")
                continue
            status = text(reply[0])
            if status == "conflict":
                results[i] = ConcurrencyConflict(request.case_id, request.expected_version, int(reply[1]))
                continue
            positions = tuple(text(p) for p in reply[1:])
            if status == "ok":
                version = request.expected_version + len(request.events)
                results[i] = AppendResult(request.case_id, partition, version, positions, head_hash=str(call[1][-2]),
                                          durability=level)
            else:
                duplicates.append((i, request, partition, positions, level))
        if duplicates:
            # Retries: the positions and versions recorded the first time, read in one more round trip.
            async with self.redis.pipeline(transaction=False) as pipe:
                for _, _, partition, positions, _ in duplicates:
                    for position in positions:
                        pipe.xrange(self.keys(partition).log, position, position)
                entries = iter(await pipe.execute())
            for i, request, partition, positions, level in duplicates:
                recorded = [next(entries) for _ in positions]
                last = [e for e in recorded if e]
                version = (
                    RecordedEvent.from_entry(partition, *last[-1][0]).head()[1] if last else request.expected_version
                )
                results[i] = AppendResult(request.case_id, partition, version, positions, duplicate=True,
                                          durability=level)
        return [r for r in results if r is not None]

    async def _missing_heads(self, requests: Sequence[AppendRequest]) -> dict[str, str]:
        """The head hash of every case of the batch whose first request does not carry one (one round trip)."""
        seen: set[str] = set()
        wanted = []
        for request in requests:
            if request.case_id not in seen and request.head_hash is None:
                wanted.append(request.case_id)
            seen.add(request.case_id)
        if not wanted:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for case_id in wanted:
                pipe.hget(self.keys(self.partition_of(case_id)).heads, case_id)
            raw = await pipe.execute()
        return {
            case_id: GENESIS if value is None else text(value).split()[1]
            for case_id, value in zip(wanted, raw, strict=True)
        }

    def _append_call(self, request: AppendRequest, head_hash: str) -> _Call:
        """The append script's keys and arguments for one request, after the checks ``append`` makes."""
        case_id, events, expected_version = request.case_id, request.events, request.expected_version
        check_events(case_id, events, expected_version)
        k = self.keys(self.partition_of(case_id))
        args: list[str | bytes] = [case_id, str(expected_version), request.command_id or "", str(len(events))]
        prev = head_hash
        for event in events:
            data = encode_event(event)
            digest = link(prev, data)
            args += [event.event_id, prev, digest, data]
            prev = digest
        return [k.log, k.number, k.heads, k.eids, k.cmds, k.case(case_id)], args

    async def _evalsha_all(self, script: Any, calls: Sequence[_Call]) -> list[Any]:
        """EVALSHA of a script for every call, pipelined (``_run_all`` without waiting for replicas)."""
        replies, _ = await self._run_all(script, calls, durability.LOCAL)
        return replies

    async def _run_all(
        self, script: Any, calls: Sequence[_Call], wanted: durability.Durability
    ) -> tuple[list[Any], list[durability.Level | None]]:
        """EVALSHA of a script for every call, pipelined: one round trip (two after a script flush); with the
        durability each call reached (``wanted``: a WAIT for replicas in the same round trip).

        Errors come back in the list, not raised. A NOSCRIPT reply means the script did not
        run, so loading it and sending the call again cannot apply anything twice. Another
        client may load the script while this pipeline runs, so a later call on the same keys
        may have run after an earlier one was refused with NOSCRIPT: its reply (a conflict, or
        a retry's duplicate) was given on the wrong state, and it is sent again too, in order.
        """
        if not calls:
            return [], []
        replies: list[Any] = [None] * len(calls)
        levels: list[durability.Level | None] = [None] * len(calls)
        todo = list(range(len(calls)))
        for attempt in range(2):
            answers, reached = await durability.execute(
                self.redis, [("EVALSHA", script.sha, len(calls[j][0]), *calls[j][0], *calls[j][1]) for j in todo],
                [calls[j][0][0] for j in todo], wanted,
            )
            again: list[int] = []
            unrun: set[tuple[str, ...]] = set()
            for j, answer, level in zip(todo, answers, reached, strict=True):
                keys_ = tuple(calls[j][0])
                if attempt == 0 and (isinstance(answer, NoScriptError) or keys_ in unrun):
                    again.append(j)
                    unrun.add(keys_)
                else:
                    replies[j], levels[j] = answer, level
            if not again:
                break
            await self.redis.script_load(script.script)
            todo = again
        return replies, levels

    async def command_positions(self, case_id: str, command_id: str) -> tuple[str, ...] | None:
        """The log positions a command's events were written at, if that command was recorded."""
        raw = await self.redis.hget(self.keys(self.partition_of(case_id)).cmds, command_id)
        return None if raw is None else tuple(text(raw).split())

    async def read_case(self, case_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """Every event of a case from ``from_version`` on, in version order."""
        partition = self.partition_of(case_id)
        k = self.keys(partition)
        raw = await self._read_case(keys=[k.log, k.case(case_id)], args=[max(from_version - 1, 0)])
        return [RecordedEvent.from_entry(partition, entry_id, _pairs(fields)) for entry_id, fields in raw]

    def read_case_command(self, case_id: str, from_version: int = 1) -> pipelined.Command:
        """``read_case`` as one command, to send in another round trip (the intake's batch lookup).

        EVALSHA: a script cache emptied by a restart answers NOSCRIPT, which ``read_case_reply``
        reads as nothing read (the caller reads the case itself; ``read_cases`` loads the script).
        EVAL would never be refused, but hashes the script's text at every call (8 µs per report).
        """
        k = self.keys(self.partition_of(case_id))
        return ("EVALSHA", self._read_case.sha, 2, k.log, k.case(case_id), max(from_version - 1, 0))

    def read_case_reply(self, case_id: str, reply: Any) -> list[RecordedEvent] | None:
        """The events in a reply to ``read_case_command``; None if it was refused (NOSCRIPT after a restart)."""
        if isinstance(reply, ResponseError):
            return None
        partition = self.partition_of(case_id)
        return [RecordedEvent.from_entry(partition, entry_id, _pairs(fields)) for entry_id, fields in reply]

    async def read_cases(
        self, case_ids: Sequence[str], from_versions: Sequence[int] | None = None
    ) -> list[list[RecordedEvent]]:
        """The events of each case (from ``from_versions[i]`` on; default every one), in version
        order, for many cases in one pipelined round trip."""
        if not case_ids:
            return []
        starts = [1] * len(case_ids) if from_versions is None else from_versions
        calls: list[_Call] = []
        for case_id, start in zip(case_ids, starts, strict=True):
            k = self.keys(self.partition_of(case_id))
            calls.append(([k.log, k.case(case_id)], [str(max(start - 1, 0))]))
        replies = await self._evalsha_all(self._read_case, calls)
        for reply in replies:
            if isinstance(reply, ResponseError):
                raise reply
        return [
            [RecordedEvent.from_entry(self.partition_of(case_id), entry_id, _pairs(fields)) for entry_id, fields in raw]
            for case_id, raw in zip(case_ids, replies, strict=True)
        ]

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
            version, head = text(raw).split()
            result[text(case_id)] = (int(version), head)
        return result

    async def numbered(self, partition: int) -> int:
        """How many entries the append script has numbered in a partition."""
        raw = await self.redis.get(self.keys(partition).number)
        return 0 if raw is None else int(raw)

"""``liaison import FILE``: an export into an empty store, written only if the whole file verifies.

First pass: ``check`` verifies the file alone (nothing is written if anything fails).
Second pass: each partition's entries go in chunks through ``script``, which checks
the numbering, stream ids and chain links again as it writes; command records follow. If the
second pass fails (the file changed between the passes, Redis refused a chunk, Ctrl-C),
everything written is deleted again, so the store is left as empty as it was found.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from liaison import exits
from liaison.audit.archive.check import ImportRefused, check_export, head_decoder, read_lines
from liaison.audit.archive.format import Command, Entry, Header, line_decoder
from liaison.audit.archive.script import IMPORT_CHUNK
from liaison.audit.progress import ProgressBar
from liaison.connect import open_redis
from shared.redis_client import text
from shared.store import EventStore, keys

CHUNK = 500
"""Entries per script call: big enough to amortise the round trip, small enough not to stall Redis."""

IMPORTING = "importing"
"""The META field an import holds while it writes (a second import, or a crashed one, is refused)."""


async def target_problem(redis: Redis, partitions: int) -> str | None:
    """Why this Redis cannot take an import of ``partitions`` partitions (None: it is an empty store)."""
    recorded = await redis.hget(keys.META, "partitions")
    if recorded is not None and int(recorded) != partitions:
        return (f"the target store has {text(recorded)} partitions and the export {partitions}: cases would "
                "land in other partitions; import into an empty Redis")
    if await redis.hget(keys.META, IMPORTING) is not None:
        return "an import into this Redis is running or was interrupted (liaison:meta importing); flush it first"
    for p in range(partitions):
        k = keys.PartitionKeys(p)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.exists(k.number)
            pipe.xlen(k.log)
            for filled in (k.heads, k.eids, k.cmds):
                pipe.hlen(filled)
            found = await pipe.execute()
        if any(found):
            return f"the target store is not empty (partition {p} already holds entries): import only into an empty one"
    return None


class _Writer:
    """Writes checked lines partition by partition and remembers what, to undo it if need be."""

    def __init__(self, redis: Redis, store: EventStore) -> None:
        self.redis = redis
        self.store = store
        self.script = redis.register_script(IMPORT_CHUNK)
        self.chunk: list[Entry] = []
        self.commands: list[Command] = []
        self.cases: dict[int, set[str]] = {}
        self.written = 0

    async def add(self, line: Entry | Command) -> None:
        if isinstance(line, Command):
            await self.flush()
            self.commands.append(line)
            if len(self.commands) >= CHUNK:
                await self.flush_commands()
            return
        if self.chunk and self.chunk[0].partition != line.partition:
            await self.flush()
        self.chunk.append(line)
        if len(self.chunk) >= CHUNK:
            await self.flush()

    async def flush(self) -> None:
        if not self.chunk:
            return
        await self.flush_commands()
        partition = self.chunk[0].partition
        k = self.store.keys(partition)
        cases = self.cases.setdefault(partition, set())
        indexes: list[str] = []
        args: list[str | bytes] = []
        for entry in self.chunk:
            data = entry.e.encode()
            head = head_decoder.decode(data)
            cases.add(head.case_id)
            indexes.append(k.case(head.case_id))
            args += [entry.id, str(entry.n), entry.prev, entry.hash, data, head.case_id, str(head.case_version),
                     head.event_id]
        await self.script(keys=[k.log, k.number, k.heads, k.eids, *indexes], args=args)
        self.written += len(self.chunk)
        self.chunk = []

    async def flush_commands(self) -> None:
        if not self.commands:
            return
        by_partition: dict[int, dict[str, str]] = {}
        for command in self.commands:
            by_partition.setdefault(command.partition, {})[command.command_id] = " ".join(command.ids)
        for partition, records in by_partition.items():  # one HSET of many fields: one command to pack
            await self.redis.hset(self.store.keys(partition).cmds, mapping=records)  # type: ignore[arg-type]
        self.commands = []

    async def undo(self) -> None:
        """Delete every key the import wrote (the store was empty before it)."""
        redis = self.redis
        for p in range(self.store.partitions):
            k = self.store.keys(p)
            await redis.delete(k.log, k.number, k.heads, k.eids, k.cmds)
            case_keys = [k.case(case_id) for case_id in self.cases.get(p, ())]
            for start in range(0, len(case_keys), 1000):
                await redis.delete(*case_keys[start : start + 1000])


async def write_import(
    redis: Redis, store: EventStore, path: Path, file_digest: str, progress: Callable[[int], None] | None = None
) -> int:
    """Write the (already verified) file's lines; undo everything if it fails. Returns the entries written."""
    writer = _Writer(redis, store)
    digest = hashlib.sha256()
    try:
        for number, raw in read_lines(path):
            digest.update(raw)
            if number == 1:
                continue
            line = line_decoder.decode(raw)
            if isinstance(line, Header):
                raise ImportRefused([f"line {number}: a second header"])
            await writer.add(line)
            if progress is not None and writer.written and number % 5000 == 0:
                progress(writer.written)
        await writer.flush()
        await writer.flush_commands()
        if digest.hexdigest() != file_digest:
            raise ImportRefused(["the file changed while it was imported: imported nothing"])
    except ResponseError as error:
        await writer.undo()
        raise ImportRefused([f"Redis refused a chunk: {error}"]) from error
    except BaseException:
        await writer.undo()
        raise
    return writer.written


def import_log(file: str) -> int:
    """``liaison import FILE``: exit 0 once written, 3 if the file does not verify, 2 if the target is not empty."""
    path = Path(file)
    if not path.is_file():
        raise exits.CliError(f"import: no such file {file!r}")
    checking = ProgressBar("import: checking", path.stat().st_size, unit="bytes")
    try:
        header, file_digest = check_export(path, checking)
    except ImportRefused as refused:
        for found in refused.problems:
            print(f"liaison import: {found}", file=sys.stderr)
        raise exits.CliError(
            f"{file} does not verify ({len(refused.problems)} problem(s) above): imported nothing", exits.TAMPERED
        ) from refused
    except OSError as error:
        raise exits.CliError(f"import: cannot read {file}: {error}") from error
    finally:
        checking.close()
    written = asyncio.run(_import_into_redis(path, header, file_digest))
    print(f"imported {written} events of {header.cases} cases over {header.partitions} partitions; chain heads "
          f"digest {header.digest}. Run `liaison replay` to verify and rebuild the views.", file=sys.stderr)
    return exits.OK


async def _import_into_redis(path: Path, header: Header, file_digest: str) -> int:
    """Write a verified export into the configured Redis, if it holds an empty store (or none)."""
    client = await open_redis()
    try:
        problem = await target_problem(client, header.partitions)
        if problem is not None:
            raise exits.CliError(f"import: {problem}")
        created = not await client.exists(keys.META)
        if not await client.hsetnx(keys.META, IMPORTING, file_digest):
            raise exits.CliError("import: another import into this Redis started just now")
        store = await EventStore.create(client, header.partitions)
        bar = ProgressBar("import: writing", header.events)
        try:
            written = await write_import(client, store, path, file_digest, bar)
        except BaseException as error:
            if created:
                await client.delete(keys.META)
            else:
                await client.hdel(keys.META, IMPORTING)
            if isinstance(error, ImportRefused):
                raise exits.CliError(f"import: {error}; the store is left empty", exits.TAMPERED) from error
            raise
        finally:
            bar.close()
        await client.hdel(keys.META, IMPORTING)
        return written
    finally:
        await client.aclose()

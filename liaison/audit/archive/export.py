"""``liaison export``: the whole log as JSON lines (see ``format``), verified as it is read.

Each partition is read up to one atomic snapshot (counter, last id, heads), so writers may go
on appending; the header's counts and digest are the snapshots'. Every entry is checked as the
auditor checks it while it is written out: an export of a log that does not verify fails
(exit 3) and, written to a file, leaves no file behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from redis.asyncio import Redis

from liaison import exits
from liaison.audit.archive.format import FORMAT, VERSION, Command, Entry, Header, PartitionTotal, encoder, stream_id
from liaison.audit.progress import ProgressBar
from liaison.connect import open_redis, open_store
from shared.redis_client import text
from shared.store import EventStore
from shared.store.audit import LogReader, digest_of
from shared.store.audit_pass import Breach, PartitionCheck

Snapshot = tuple[int, str, dict[str, str]]
"""A partition's counter, last stream id and heads, read atomically."""


class ExportFailed(Exception):
    """The log did not verify while it was exported."""

    def __init__(self, breaches: list[Breach]) -> None:
        super().__init__(f"{len(breaches)} breach(es), the first: {breaches[0]}")
        self.breaches = breaches


class OutputFailed(Exception):
    """Writing the export failed (no such directory, disk full, a closed pipe): what was written is incomplete."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))


def _writer(out: BinaryIO) -> Callable[[bytes], None]:
    """``out.write`` raising OutputFailed, so a failed write is never taken for a Redis failure."""

    def write(data: bytes) -> None:
        try:
            out.write(data)
        except OSError as error:
            raise OutputFailed(error) from error

    return write


def _heads(snapshots: list[Snapshot]) -> dict[str, tuple[int, str]]:
    heads: dict[str, tuple[int, str]] = {}
    for _, _, raw in snapshots:
        for case_id, value in raw.items():
            version, _, digest = value.partition(" ")
            heads[case_id] = (int(version) if version.isdigit() else -1, digest)
    return heads


async def _commands(redis: Redis, store: EventStore, partition: int, end: str) -> list[Command]:
    """The partition's command records whose entries are all within the snapshot (none written since)."""
    last = stream_id(end) if end else (0, 0)
    found: list[Command] = []
    async for command_id, raw in redis.hscan_iter(store.keys(partition).cmds, count=1000):
        ids = text(raw).split()
        if ids and all(stream_id(i) <= last for i in ids):
            found.append(Command(partition=partition, command_id=text(command_id), ids=ids))
    found.sort(key=lambda c: stream_id(c.ids[0]))
    return found


async def write_export(
    redis: Redis, store: EventStore, out: BinaryIO, progress: ProgressBar | None = None
) -> Header:
    """Write the header and every partition's entries and commands to ``out``; raises ExportFailed, OutputFailed."""
    write = _writer(out)
    reader = LogReader(store)
    try:
        snapshots = [await reader.snapshot(p) for p in range(store.partitions)]
        commands = [await _commands(redis, store, p, snapshots[p][1]) for p in range(store.partitions)]
        heads = _heads(snapshots)
        header = Header(
            format=FORMAT, version=VERSION, partitions=store.partitions,
            exported_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            events=sum(s[0] for s in snapshots), cases=len(heads),
            counts=[PartitionTotal(partition=p, entries=s[0], commands=len(commands[p]))
                    for p, s in enumerate(snapshots)],
            digest=digest_of(heads),
        )
        write(encoder.encode(header) + b"\n")
        done = 0
        breaches: list[Breach] = []
        for partition, (numbered, end, raw_heads) in enumerate(snapshots):
            check = PartitionCheck(partition, store.partitions)
            start = "-"
            while end:
                entries = await reader.entries(store.keys(partition).log, start, end)
                if not entries:
                    break
                check.feed(entries)
                write(b"".join(_line(partition, entry_id, fields) for entry_id, fields in entries))
                done += len(entries)
                if progress is not None:
                    progress(done)
                last = text(entries[-1][0])
                if last == end:
                    break
                start = f"({last}"
            check.finish(numbered, dict(raw_heads))
            breaches += check.breaches
            write(b"".join(encoder.encode(c) + b"\n" for c in commands[partition]))
    finally:
        await reader.aclose()
    if breaches:
        raise ExportFailed(breaches)
    return header


def _line(partition: int, entry_id: bytes, fields: list[bytes]) -> bytes:
    named = dict(zip(fields[::2], fields[1::2], strict=False))
    try:
        entry = Entry(
            partition=partition, id=text(entry_id), n=int(named[b"n"]), prev=named[b"prev"].decode("ascii"),
            hash=named[b"hash"].decode("ascii"), e=named[b"e"].decode("utf-8"),
        )
    except (KeyError, ValueError) as error:  # the check has recorded it as a breach; export what can be
        entry = Entry(partition=partition, id=text(entry_id), n=0, prev="", hash="", e=f"unreadable: {error}")
    return encoder.encode(entry) + b"\n"


def _open_partial(out_path: str) -> tuple[Path, BinaryIO]:
    """The ``.partial`` file the export is written to, then renamed; CliError before any Redis work if it cannot be."""
    partial = Path(out_path + ".partial")
    try:
        if Path(out_path).is_dir():
            raise IsADirectoryError(21, "Is a directory")
        return partial, partial.open("wb")
    except OSError as error:
        raise exits.CliError(f"--out: cannot write {out_path}: {error.strerror}") from error


def _finish_file(out: BinaryIO, partial: Path, out_path: str) -> None:
    """Make the written export durable, then give it its name (a reader never sees half a file)."""
    try:
        out.flush()
        os.fsync(out.fileno())
        out.close()
        partial.replace(out_path)
    except OSError as error:
        raise OutputFailed(error) from error


def _failed_output(out_path: str, failed: OutputFailed) -> exits.CliError:
    if out_path != "-":
        return exits.CliError(f"--out: cannot write {out_path}: {failed}; nothing exported")
    return exits.CliError(f"standard output: cannot write: {failed}; what was written to it is an incomplete "
                          "export: liaison import will refuse it")


async def export(out_path: str) -> int:
    """``liaison export [--out FILE|-]``: 0 when the whole log was written and verified, 3 if it did not verify."""
    partial, out = (None, sys.stdout.buffer) if out_path == "-" else _open_partial(out_path)
    try:
        client = await open_redis()
        try:
            store = await open_store(client)
            total = sum([await store.numbered(p) for p in range(store.partitions)])
            bar = ProgressBar("export", total)
            try:
                header = await write_export(client, store, out, bar)
                if partial is None:
                    try:
                        out.flush()
                    except OSError as error:
                        raise OutputFailed(error) from error
                else:
                    _finish_file(out, partial, out_path)
            finally:
                bar.close()
        finally:
            await client.aclose()
    except OutputFailed as failed:
        raise _failed_output(out_path, failed) from failed
    except ExportFailed as failed:
        for breach in failed.breaches:
            print(f"liaison export: {breach}", file=sys.stderr)
        outcome = ("nothing exported" if partial is not None else
                   "what was written to standard output is an incomplete export: liaison import will refuse it")
        raise exits.CliError(
            f"the log does not verify ({len(failed.breaches)} breach(es) above): {outcome}", exits.TAMPERED
        ) from failed
    finally:
        if partial is not None:
            out.close()
            partial.unlink(missing_ok=True)
    where = "standard output" if partial is None else out_path
    print(f"exported {header.events} events of {header.cases} cases over {header.partitions} partitions to "
          f"{where}; chain heads digest {header.digest}", file=sys.stderr)
    return exits.OK

"""The importer's first pass: verify an export file from the file alone, before anything is written.

Every case's chain and every partition's numbering is checked as ``liaison replay`` checks a
live log (``PartitionCheck``), plus what only a file can get wrong: line order, stream ids
that rise, event ids recorded once, command records naming entries of their partition, and
the header's counts and chain-heads digest. Each problem names its line (and partition, case).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from liaison.audit.archive.format import FORMAT, VERSION, Command, Entry, Header, line_decoder, stream_id
from shared.store.audit import digest_of
from shared.store.audit_pass import PartitionCheck

MAX_PROBLEMS = 20
"""Reading stops after this many problems: the first few say what is wrong."""

CHUNK = 1000


class EventHead(msgspec.Struct):
    """The fields of an event the importer needs to write it (the rest stays as the bytes)."""

    case_id: str
    case_version: int
    event_id: str


head_decoder = msgspec.json.Decoder(EventHead)


class ImportRefused(Exception):
    """The export does not verify: the problems found, each naming its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems


@dataclass
class _Partition:
    check: PartitionCheck
    last_id: tuple[int, int] = (0, 0)
    ids: set[str] = field(default_factory=set)
    event_ids: set[str] = field(default_factory=set)
    commands: int = 0
    chunk: list[tuple[int, Entry]] = field(default_factory=list)


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file's lines with their numbers (1-based)."""
    with path.open("rb") as f:
        yield from enumerate(f, start=1)


class ExportCheck:
    """Checks an export line by line; ``problems`` holds what it found."""

    def __init__(self) -> None:
        self.header: Header | None = None
        self.problems: list[str] = []
        self.partitions: dict[int, _Partition] = {}
        self.current = -1
        self.command_ids: set[str] = set()

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def line(self, number: int, raw: bytes) -> None:
        """Check one line of the file."""
        try:
            line = line_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            self.problem(f"line {number}: not a line of a Liaison export: {error}")
            return
        if number == 1:
            self._header(line)
        elif self.header is None:
            return
        elif isinstance(line, Entry):
            self._entry(number, line)
        elif isinstance(line, Command):
            self._command(number, line)
        else:
            self.problem(f"line {number}: a second header")

    def _header(self, line: Header | Entry | Command) -> None:
        if not isinstance(line, Header):
            self.problem("line 1: the file does not start with an export header")
            return
        if line.format != FORMAT or line.version != VERSION:
            self.problem(f"line 1: format {line.format!r} version {line.version}, expected {FORMAT!r} "
                         f"version {VERSION}")
            return
        if line.partitions < 1 or sorted(c.partition for c in line.counts) != list(range(line.partitions)):
            self.problem(f"line 1: the header's counts do not list partitions 0..{line.partitions - 1} once each")
            return
        self.header = line
        self.partitions = {p: _Partition(PartitionCheck(p, line.partitions)) for p in range(line.partitions)}

    def _part(self, number: int, partition: int) -> _Partition | None:
        if partition not in self.partitions:
            self.problem(f"line {number}: partition {partition} is not one of the header's")
            return None
        if partition < self.current:
            self.problem(f"line {number}: partition {partition} after partition {self.current}: lines out of order")
            return None
        if partition > self.current:
            self._flush()
            self.current = partition
        return self.partitions[partition]

    def _entry(self, number: int, entry: Entry) -> None:
        part = self._part(number, entry.partition)
        if part is None:
            return
        where = f"line {number} (partition {entry.partition}, stream id {entry.id})"
        try:
            position = stream_id(entry.id)
        except ValueError as error:
            self.problem(f"{where}: {error}")
            return
        if position <= part.last_id:
            self.problem(f"{where}: the stream id does not follow the previous entry's")
        part.last_id = position
        if entry.id in part.ids:
            self.problem(f"{where}: the stream id appears twice")
        part.ids.add(entry.id)
        try:
            head = head_decoder.decode(entry.e)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            self.problem(f"{where}: the event is not readable: {error}")
            return
        if head.event_id in part.event_ids:
            self.problem(f"{where}, case {head.case_id}: event id {head.event_id} appears twice")
        part.event_ids.add(head.event_id)
        part.chunk.append((number, entry))
        if len(part.chunk) >= CHUNK:
            self._feed(part)

    def _feed(self, part: _Partition) -> None:
        """Run the auditor's checks on the entries read so far; name each breach's line."""
        if not part.chunk:
            return
        lines = {entry.id: number for number, entry in part.chunk}
        before = len(part.check.breaches)
        part.check.feed([
            (entry.id.encode(), [b"n", str(entry.n).encode(), b"prev", entry.prev.encode(), b"hash",
                                 entry.hash.encode(), b"e", entry.e.encode()])
            for _, entry in part.chunk
        ])
        part.chunk = []
        for breach in part.check.breaches[before:]:
            line = lines.get(breach.position or "")
            self.problem((f"line {line}: " if line else "") + str(breach))

    def _command(self, number: int, command: Command) -> None:
        part = self._part(number, command.partition)
        if part is None:
            return
        where = f"line {number} (partition {command.partition}, command {command.command_id})"
        unknown = [i for i in command.ids if i not in part.ids]
        if not command.ids or unknown:
            self.problem(f"{where}: names entries not exported before it in its partition: {unknown or '(none)'}")
        if command.command_id in self.command_ids:
            self.problem(f"{where}: the command id appears twice")
        self.command_ids.add(command.command_id)
        part.commands += 1

    def _flush(self) -> None:
        if self.current in self.partitions:
            part = self.partitions[self.current]
            self._feed(part)
            part.ids, part.event_ids = set(), set()  # no later line may name them: free the memory

    def finish(self) -> None:
        """After the last line: every partition's count and the header's totals and digest."""
        header = self.header
        if header is None:
            if not self.problems:
                self.problem("line 1: the file is empty")
            return
        self._flush()
        heads: dict[str, tuple[int, str]] = {}
        wanted = {c.partition: c for c in header.counts}
        for p, part in self.partitions.items():
            check = part.check
            before = len(check.breaches)
            check.finish(wanted[p].entries, {case: f"{v} {h}" for case, (v, h) in check.cases.items()})
            for breach in check.breaches[before:]:
                self.problem(f"end of file: {breach} (the header counts {wanted[p].entries} entries)")
            if part.commands != wanted[p].commands:
                self.problem(f"end of file: partition {p} has {part.commands} command records, "
                             f"the header counts {wanted[p].commands}")
            heads.update(check.cases)
        events = sum(p.check.entries for p in self.partitions.values())
        if (events, len(heads)) != (header.events, header.cases):
            self.problem(f"end of file: {events} events of {len(heads)} cases, the header says "
                         f"{header.events} events of {header.cases} cases")
        if digest_of(heads) != header.digest:
            self.problem(f"end of file: the chain heads digest of the entries is {digest_of(heads)}, "
                         f"the header says {header.digest}")


def check_export(path: Path, progress: Callable[[int], None] | None = None) -> tuple[Header, str]:
    """The verified header and the file's sha256; raises ImportRefused naming what does not verify.

    ``progress`` is called now and then with the bytes read so far."""
    check = ExportCheck()
    digest = hashlib.sha256()
    read = 0
    for number, raw in read_lines(path):
        digest.update(raw)
        read += len(raw)
        check.line(number, raw)
        if len(check.problems) >= MAX_PROBLEMS:
            raise ImportRefused([*check.problems, f"(stopped reading at line {number})"])
        if progress is not None and number % 10000 == 0:
            progress(read)
    check.finish()
    if check.problems or check.header is None:
        raise ImportRefused(check.problems)
    return check.header, digest.hexdigest()

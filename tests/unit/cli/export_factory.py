"""Build the lines of an export file in memory, as ``liaison export`` writes them, from hand-built cases."""

from __future__ import annotations

from liaison.audit.archive.format import FORMAT, VERSION, Command, Entry, Header, PartitionTotal, encoder
from shared.events import encode_event
from shared.store import keys
from shared.store.audit import digest_of
from shared.store.chain import GENESIS, link
from tests.unit.projections.factory import CaseBuilder, busy_case

PARTITIONS = 3


def export_lines(builders: list[CaseBuilder], partitions: int = PARTITIONS) -> list[bytes]:
    """Header, then per partition its entries (cases interleaved, one event each in turn) and commands."""
    heads: dict[str, tuple[int, str]] = {}
    blocks: list[list[bytes]] = []
    totals: list[PartitionTotal] = []
    for p in range(partitions):
        mine = [b for b in builders if keys.partition_of(b.case_id, partitions) == p]
        entries: list[bytes] = []
        commands: list[bytes] = []
        n = 0
        for version in range(max((len(b.events) for b in mine), default=0)):
            for b in mine:
                if version >= len(b.events):
                    continue
                n += 1
                data = encode_event(b.events[version])
                prev = heads.get(b.case_id, (0, GENESIS))[1]
                digest = link(prev, data)
                heads[b.case_id] = (version + 1, digest)
                entry_id = f"1795000000000-{n}"
                entries.append(encoder.encode(Entry(partition=p, id=entry_id, n=n, prev=prev, hash=digest,
                                                    e=data.decode())))
                commands.append(encoder.encode(Command(partition=p, command_id=f"cmd-{b.case_id}-{version}",
                                                       ids=[entry_id])))
        blocks.append(entries + commands)
        totals.append(PartitionTotal(partition=p, entries=len(entries), commands=len(commands)))
    header = Header(format=FORMAT, version=VERSION, partitions=partitions, exported_at="2026-11-23T08:00:00Z",
                    events=sum(t.entries for t in totals), cases=len(heads), counts=totals, digest=digest_of(heads))
    return [encoder.encode(header)] + [line for block in blocks for line in block]


def sample_lines() -> list[bytes]:
    """An export of six busy cases over three partitions."""
    return export_lines([busy_case(f"EXP-{i}") for i in range(6)])

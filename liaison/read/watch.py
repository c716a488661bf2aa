"""``liaison watch``: follow case updates live, from now on."""

from __future__ import annotations

import sys

import msgspec

from liaison.connect import open_redis, open_store
from liaison.read.views import clocks
from shared.readmodel.updates import FROM_NOW, read_updates


async def watch(case_id: str | None, as_json: bool) -> int:
    """Print each case update as the projections write it, until interrupted."""
    client = await open_redis()
    try:
        store = await open_store(client)
        partitions = [store.partition_of(case_id)] if case_id else list(range(store.partitions))
        after = dict.fromkeys(partitions, FROM_NOW)
        if not as_json:
            print(f"watching {'case ' + case_id if case_id else 'every case'} (Ctrl-C to stop)", flush=True)
        while True:
            for partition, position, update in await read_updates(client, store, after, count=200, block_ms=1000):
                if case_id and update.case_id != case_id:
                    continue
                if as_json:
                    line = {"partition": partition, "position": position, **msgspec.to_builtins(update)}
                    sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
                else:
                    v = update.view
                    print(f"{v.case_id:<16} v{v.version:<4} {v.status:<25} {','.join(v.parties):<24} "
                          f"{clocks(v.last_update)}")
                sys.stdout.flush()
    finally:
        await client.aclose()

"""The raw-Redis baseline of the end-to-end path: the same stream hops as the services, and nothing else.

``python -m liaison.bench.skeleton hotline|projections URL PARTITIONS``

- hotline: XREADGROUP a batch of intake entries; for each, XADD it to its case's partition
  log and XADD an outcome; XACK the batch (one pipeline);
- projections: XREADGROUP a batch of each partition log; for each entry, HSET the case's
  "view" (the report itself) and XADD a case update; XACK the batch (one pipeline).

No decoding, validation, decision, version check, chain or fold: what is left is what any
service on Redis Streams pays, so the services' figures are read against it. The bench
driver puts ``case`` and ``v`` fields beside ``report`` in every intake entry (the hotline
service ignores fields it does not know) so the skeleton can route without parsing JSON.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.redis_client import connect
from shared.store import keys

COUNT = 100
BLOCK_MS = 100


async def _group(redis: Redis, stream: str, group: str) -> None:
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as err:
        if "BUSYGROUP" not in str(err):
            raise


async def hotline(redis: Redis, partitions: int, consumer: str, stop: asyncio.Event) -> None:
    """Intake -> partition log + outcome, acked in the same pipeline."""
    intake = keys.intake("hotline")
    await _group(redis, intake, "hotline")
    while not stop.is_set():
        reply: Any = await redis.xreadgroup("hotline", consumer, {intake: ">"}, count=COUNT, block=BLOCK_MS)
        for _, entries in reply or []:
            async with redis.pipeline(transaction=False) as pipe:
                for _entry_id, fields in entries:
                    case_id = fields[b"case"]
                    p = keys.partition_of(case_id.decode(), partitions)
                    pipe.xadd(keys.PartitionKeys(p).log, {"case": case_id, "v": fields[b"v"], "e": fields[b"report"]})
                    pipe.xadd(keys.OUTCOMES, {"command_id": case_id, "outcome": b"{}"})
                pipe.xack(intake, "hotline", *(entry_id for entry_id, _ in entries))
                await pipe.execute()


async def projections(redis: Redis, partitions: int, consumer: str, stop: asyncio.Event) -> None:
    """Every partition log -> view hash + updates stream, acked in the same pipeline."""

    async def one(p: int) -> None:
        k = keys.PartitionKeys(p)
        while not stop.is_set():
            reply: Any = await redis.xreadgroup(
                keys.PROJECTIONS_GROUP, consumer, {k.log: ">"}, count=200, block=BLOCK_MS
            )
            for _, entries in reply or []:
                async with redis.pipeline(transaction=False) as pipe:
                    for _entry_id, fields in entries:
                        pipe.hset(k.views, fields[b"case"], fields[b"e"])
                        update: dict[Any, Any] = {"case_id": fields[b"case"], "version": fields[b"v"],
                                                  "view": fields[b"e"]}
                        pipe.xadd(k.updates, update, maxlen=10_000, approximate=True)
                    pipe.xack(k.log, keys.PROJECTIONS_GROUP, *(entry_id for entry_id, _ in entries))
                    await pipe.execute()

    # The groups first, one at a time: sixteen first commands at once on a fresh cluster client (redis-py 8.1)
    # raced its start-up, one task's connection closed under another's, and the skeleton died on 3 masters.
    for p in range(partitions):
        await _group(redis, keys.PartitionKeys(p).log, keys.PROJECTIONS_GROUP)
    await asyncio.gather(*(one(p) for p in range(partitions)))


async def main(role: str, url: str, partitions: int) -> None:
    """Run one role until SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    redis = connect(url)  # the services' own client: a cluster client for ``redis+cluster://``, retries included
    consumer = f"skeleton-{socket.gethostname()}-{os.getpid()}"
    try:
        await (hotline if role == "hotline" else projections)(redis, partitions, consumer, stop)
    finally:
        await redis.aclose()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("hotline", "projections"):
        print("usage: python -m liaison.bench.skeleton hotline|projections URL PARTITIONS", file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))

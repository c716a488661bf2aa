"""What the names check costs per report, in this process: `.venv/bin/python scripts/names_cost.py [REPORTS]`.

The hotline refuses a report whose free text names a vault subject (ADR 0016) by tokenising its texts and
hashing every run of tokens as long as the longest name indexed. This times, per report of the simulator's
traffic (calls and letters between the seed units, texts in vi, zh and en): the tokeniser alone, then
``Vault.named_in_each`` as the intake runs it (one batch of 100 reports per lookup) against a private
redis-server whose names index holds no one, then 40 persons (14 distinct names of 2 to 5 tokens, as
handovers of a busy year repeat family names). docs/benchmarks.md and ADR 0016 cite its figures.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a tree given there is measured

from redis.asyncio import Redis

from liaison.simulate.hotline_traffic import Traffic
from shared.redis_server import RedisServer
from shared.vault import names
from shared.vault.store import Vault, new_subject_id

BATCH = 100
PERSONS = [  # names as officers write them in handover records (seeds), 2 to 5 tokens
    "Nguyễn Thị Mai", "Lò Văn Sử", "Vàng A Dình", "Giàng Thị Lan", "Hoàng Văn Minh Tuấn", "杨秀英", "王小红",
    "Sùng Seo Chứ", "Phạm Thị Hương Giang", "李娜", "Lý Lao Lở", "Thào A Páo", "刘德明", "Đặng Thị Hoa",
]


def texts(count: int) -> list[list[str]]:
    """The free texts of ``count`` reports that open cases (each a call or a letter with its summary)."""
    traffic = Traffic(random.Random(7), "names-cost")
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    return [names.free_texts(traffic.open_case(now)[0]) for _ in range(count)]


def per_report(seconds: float, reports: int) -> str:
    return f"{seconds / reports * 1e6:7.1f} µs"


async def checked(url: str, groups: list[list[str]], persons: int) -> float:
    """Seconds for ``named_in_each`` over every group, in batches, with ``persons`` subjects indexed."""
    redis = Redis.from_url(url)
    try:
        await redis.flushall()
        vault = Vault(redis)
        for i in range(persons):
            await vault.put(new_subject_id(), {"name": PERSONS[i % len(PERSONS)]})
        await vault.named_in_each(groups[:BATCH])  # the index key and longest name, as a running service has them
        started = time.process_time()
        for at in range(0, len(groups), BATCH):
            found = await vault.named_in_each(groups[at:at + BATCH])
            assert not any(found), "the traffic names no vault subject"
        return time.process_time() - started
    finally:
        await redis.aclose()


def main(count: int) -> None:
    groups = texts(count)
    chars = sum(len(t) for group in groups for t in group)
    print(f"{count} reports, {chars / count:.0f} characters of free text each; CPU time of this process")
    started = time.process_time()
    for group in groups:
        for text in group:
            names.tokens(text)
    print(f"{'tokens only':<40} {per_report(time.process_time() - started, count)}")
    with tempfile.TemporaryDirectory() as base:
        server = RedisServer(Path(base) / "redis").start()
        try:
            for persons in (0, 40):
                seconds = asyncio.run(checked(server.url, groups, persons))
                print(f"{f'named_in_each, {persons} persons indexed':<40} {per_report(seconds, count)}")
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)

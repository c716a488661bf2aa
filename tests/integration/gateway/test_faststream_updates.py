"""The FastStream subscriber of docs/clients.md, run as written with FastStream's real RedisBroker against a real
redis-server fed by the real projections worker: it receives the updates of every case, whichever unit's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from liaison.client import Client
from shared.access import acl
from shared.access.tokens import issue
from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.gateway.conftest import Client as TestClient
from tests.integration.gateway.conftest import eventually, projected
from tests.integration.gateway.doc_examples import example, replaced, run_module
from tests.unit.hotline.reports import CN, VN, log_call, send_letter

PLACEHOLDER = '"redis://<user>:<password>@liaison-redis:6379/0"'


async def test_the_example_receives_the_updates_of_every_case(
    api: TestClient, redis: Redis, redis_server: RedisServer, store: EventStore
) -> None:
    """Lao Cai opens a case and writes a letter in it, Hekou opens one of its own (sent over HTTP, decided by the
    hotline, projected by the projections worker): the example's handler gets all three updates, in order per case,
    with the fields the projections write — a view of each case, both units' (it is not need-to-know filtered)."""
    await projected(store)  # the units' keys registered for the test: their updates are written before it starts
    printed: list[tuple[Any, ...]] = []
    namespace = run_module(replaced(example("faststream-updates"), PLACEHOLDER, repr(redis_server.url)),
                           print=lambda *values: printed.append(values))
    app = namespace["app"]
    await app.start()
    try:
        base = str(api.make_url("")).rstrip("/")
        async with Client(base, (await issue(redis, VN, "officer")).token) as lao_cai, \
                Client(base, (await issue(redis, CN, "officer")).token) as hekou:
            opened = await lao_cai.send(log_call("fs-updates-call"))
            assert opened.case_id is not None
            letter = await lao_cai.send(send_letter("fs-updates-letter", case_id=opened.case_id))
            theirs = await hekou.send(log_call("fs-updates-hekou", unit=CN, caller_unit=CN, callee_unit=VN,
                                               started_at="2026-11-23T10:10:00+08:00",
                                               ended_at="2026-11-23T10:17:00+08:00", at="2026-11-23T10:20:00+08:00"))
        assert (opened.status, letter.status, theirs.status) == ("accepted", "accepted", "accepted"), theirs

        async def received() -> bool:
            return len(printed) >= 3

        await eventually(received, what="the subscriber to receive three updates")
    finally:
        await app.stop()
    assert len(printed) == 3, printed
    by_case: dict[str, list[str]] = {}
    for case_id, version, status in printed:
        assert isinstance(status, str)
        by_case.setdefault(case_id, []).append(version)
    assert by_case == {opened.case_id: ["1", "2"], theirs.case_id: ["1"]}


async def test_the_read_only_auditor_user_may_run_it_and_write_nothing(
    make_redis_server: Callable[..., RedisServer], tmp_path: Path
) -> None:
    """What the example sends, checked against the ``auditor`` ACL user (shared/access/acl.py): it may read the
    partition count, where each stream ends and, with XREAD, the updates (FastStream's StreamSub without a group);
    it may not create a group, read through one, or write the stream."""
    server = make_redis_server()
    admin = Redis.from_url(server.url)
    try:
        await acl.apply(admin, tmp_path, lock_default=False)

        async def may(*command: str) -> bool:
            answer = await admin.execute_command("ACL", "DRYRUN", "auditor", *command)
            return bool(answer == b"OK")

        updates = "liaison:{p0}:updates"
        assert await may("HGET", "liaison:meta", "partitions")
        assert await may("XREVRANGE", updates, "+", "-", "COUNT", "1")
        assert await may("XRANGE", updates, "-", "+")
        assert await may("XREAD", "BLOCK", "100", "STREAMS", updates, "0-0")
        assert not await may("XREAD", "STREAMS", "liaison:{p0}:log", "0-0"), "the updates streams, not the log"
        assert not await may("XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", updates, ">")
        assert not await may("XGROUP", "CREATE", updates, "g", "$", "MKSTREAM")
        assert not await may("XADD", updates, "*", "case_id", "X")
    finally:
        await admin.aclose()

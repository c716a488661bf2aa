"""``liaison.client.Client`` against a real gateway on real Redis: the example of docs/clients.md, run; what a report
comes back as (an outcome, or the door's refusal as an error); and the update stream followed through network
drops, half-open connections, gateway restarts, lost updates and a revoked token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

import liaison.client
from liaison.client import (
    Client,
    ClientError,
    Forbidden,
    RateLimited,
    Resync,
    Unauthorized,
    Unavailable,
    Update,
    retry_after,
)
from services.gateway import updates as gateway_updates
from services.gateway.app import build_app
from services.gateway.replies import GATEWAY
from shared.access import tokens
from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.gateway.conftest import Client as TestClient
from tests.integration.gateway.conftest import (
    eventually,
    gateway_client,
    gateway_config,
    projected,
    resources,
)
from tests.integration.gateway.doc_examples import as_coroutine, example, replaced
from tests.integration.gateway.tcp_proxy import proxy_to
from tests.unit.hotline.reports import log_call, send_letter

UpdateStream = AsyncGenerator[Update | Resync, None]

RETRY_S = 0.2
"""The gateway's ``retry:`` in these tests (1 s in service), so reconnections take a fraction of a second."""


@pytest.fixture(autouse=True)
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway_updates, "RETRY_MS", int(RETRY_S * 1000))


def _base(api: TestClient) -> str:
    return str(api.make_url("")).rstrip("/")


def _letter(n: int, case_id: str) -> dict[str, Any]:
    return send_letter(f"client-letter-{case_id}-{n}", case_id=case_id, reference=f"LC/2026/C{n}")


async def _officer(redis: Redis, unit: str = "VN-LC-IBGS") -> str:
    return (await tokens.issue(redis, unit, "officer")).token


async def _case(api: TestClient, token: str, command_id: str) -> str:
    async with Client(_base(api), token) as client:
        opened = await client.send(log_call(command_id))
    assert opened.status == "accepted", opened
    assert opened.case_id is not None
    return opened.case_id


async def _send(api: TestClient, token: str, report: dict[str, Any]) -> None:
    async with Client(_base(api), token) as client:
        outcome = await client.send(report)
    assert outcome.status == "accepted", outcome


async def _ready(client: Client) -> None:
    """Until the client's stream has read its ``ready`` event (so it follows, from a position it knows)."""

    async def ready() -> bool:
        return client.last_event_id is not None

    await eventually(ready, what="the update stream to be ready")


async def _update(stream: UpdateStream, within: float = 10.0) -> Update:
    item = await asyncio.wait_for(anext(stream), within)
    assert isinstance(item, Update), item
    return item


async def _no_subscribers(api: TestClient) -> None:
    async def gone() -> bool:
        return resources(api).subscribers == 0

    await eventually(gone, 5, "the gateway to see the stream closed")


async def test_the_example_of_clients_md_runs(api: TestClient, redis: Redis) -> None:
    """The docs' example, as written: it sends a call (accepted), follows the case and prints its next update; the
    task running it is cancelled, and the gateway sees the stream closed."""
    officer = await _officer(redis)
    printed: list[tuple[Any, ...]] = []
    code = replaced(example("client"), '"http://127.0.0.1:8080"', repr(_base(api)))
    run = as_coroutine(code, "token", "report", print=lambda *values: printed.append(values))
    task = asyncio.create_task(run(officer, log_call("doc-call")))

    async def following() -> bool:
        return bool(printed) and resources(api).subscribers == 1

    await eventually(following, what="the example to send and follow")
    assert printed[0] == ("accepted", None)
    case_id = await _case(api, officer, "doc-call")  # the same report again: the same outcome
    await _send(api, officer, _letter(1, case_id))

    async def updated() -> bool:
        return len(printed) >= 2

    await eventually(updated, what="the example to print the update")
    version, status = printed[1]
    assert version == 2
    assert isinstance(status, str)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _no_subscribers(api)


async def test_a_tool_sends_reports_and_follows_its_case(api: TestClient, redis: Redis) -> None:
    """An officer's tool sends a call (accepted), a report for another unit (Forbidden), a bad report (a rejected
    outcome, not an error), and follows its case's updates; leaving the loop closes the stream."""
    officer = await _officer(redis)
    async with Client(_base(api), officer) as client:
        opened = await client.send(log_call("client-call"))
        assert opened.status == "accepted"
        case_id = opened.case_id
        assert case_id is not None
        with pytest.raises(Forbidden):
            await client.send(log_call("client-other", unit="CN-HK-IBCS", caller_unit="CN-HK-IBCS",
                                       callee_unit="VN-LC-IBGS", at="2026-11-23T10:20:00+08:00"))
        refused = await client.send(log_call("client-bad", callee_unit="XX-NOWHERE"))
        assert refused.reason is not None
        assert (refused.status, refused.reason.code) == ("rejected", "unknown_unit")


        async def first_update() -> Update | Resync | None:
            async for item in client.updates(case=case_id):
                return item  # leaving the loop closes the stream
            return None

        follow = asyncio.create_task(first_update())
        await _ready(client)
        await client.send(_letter(1, case_id))
        update = await asyncio.wait_for(follow, 10)
        assert isinstance(update, Update)
        assert (update.case_id, update.version) == (case_id, 2)
        assert update.id == client.last_event_id
        assert update.id.startswith("s1."), "an officer's positions are sealed"
        await _no_subscribers(api)


async def test_the_gateways_own_refusals_of_a_report_are_outcomes(api: TestClient, redis: Redis) -> None:
    """Too large (413), not JSON, no command id, an unknown type, a reserved command id (422): each a rejected
    Outcome under the report's command id ("" when it names none), not an error; a viewer sending is Forbidden."""
    async with Client(_base(api), await _officer(redis)) as client:
        large = await client.send(log_call("client-large") | {"padding": "x" * 70_000})
        large_bytes = await client.send(b'{"command_id": "client-large-bytes", "pad": "' + b"x" * 70_000 + b'"}')
        not_json = await client.send(b"{not json")
        unnamed = await client.send({"type": "LogCall"})
        unknown = await client.send(log_call("client-unknown") | {"type": "NoSuchReport"})
        reserved = await client.send(log_call("hotline-case:HL-ABC"))
    found = {(o.command_id, o.status, o.reason.code if o.reason else None)
             for o in (large, large_bytes, not_json, unnamed, unknown, reserved)}
    assert found == {
        ("client-large", "rejected", "too_large"),
        ("client-large-bytes", "rejected", "too_large"),
        ("", "rejected", "invalid_json"),
        ("", "rejected", "invalid"),
        ("client-unknown", "rejected", "unknown_type"),
        ("hotline-case:HL-ABC", "rejected", "reserved_command_id"),
    }
    assert all(o.reason and o.reason.message for o in (large, not_json, unnamed, unknown, reserved))
    viewer = (await tokens.issue(redis, "VN-LC-IBGS", "viewer")).token
    async with Client(_base(api), viewer) as client:
        with pytest.raises(Forbidden) as refused:
            await client.send(log_call("client-viewer"))
    assert (refused.value.status, refused.value.code) == (403, "forbidden")


async def test_the_door_refusing_a_report_raises(
    bare_api: Callable[..., AbstractAsyncContextManager[TestClient]], redis: Redis, store: EventStore
) -> None:
    """A gateway that cannot attest (503 ``no_signing_key``) raises Unavailable; past the token's rate, 429 raises
    RateLimited with the seconds of its ``Retry-After``; a gateway not there at all, Unavailable."""
    officer = await _officer(redis)
    async with bare_api(signing_key=None, rate_per_s=0.5, rate_burst=1) as gateway, \
            Client(_base(gateway), officer) as client:
        with pytest.raises(Unavailable) as unavailable:
            await client.send(log_call("client-unattested"))
        with pytest.raises(RateLimited) as limited:
            await client.send(log_call("client-unattested"))
        port = gateway.port
    assert (unavailable.value.status, unavailable.value.code) == (503, "no_signing_key")
    assert (limited.value.status, limited.value.code) == (429, "rate_limited")
    assert 1 <= limited.value.retry_after <= 3
    async with Client(f"http://127.0.0.1:{port}", officer) as client:
        with pytest.raises(Unavailable) as gone:
            await client.send(log_call("client-nowhere"))
        with pytest.raises(Unavailable):  # the first connection of a stream is not retried
            await anext(client.updates())
    assert (gone.value.status, gone.value.code) == (0, "unreachable")


def _front(gateway: str, answers: list[web.Response], resumed_from: list[str | None] | None = None) -> web.Application:
    """A reverse proxy in front of the gateway, as a site might put one: it passes reports on, unless it has
    ``answers`` of its own to give first (an HTML error page, a date in Retry-After...); update streams are its
    answers only (each request's Last-Event-ID kept in ``resumed_from``)."""

    async def commands(request: web.Request) -> web.StreamResponse:
        if answers:
            return answers.pop(0)
        async with aiohttp.ClientSession() as session, session.post(
            f"{gateway}/v1/commands", data=await request.read(), headers={
                "Authorization": request.headers["Authorization"], "Content-Type": "application/json"}
        ) as passed:
            return web.Response(body=await passed.read(), status=passed.status,
                                content_type=passed.content_type)

    async def updates(request: web.Request) -> web.StreamResponse:
        if resumed_from is not None:
            resumed_from.append(request.headers.get("Last-Event-ID"))
        response = answers.pop(0)
        if response.status != 200:
            return response
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await stream.prepare(request)
        assert response.body is not None
        await stream.write(bytes(response.body))  # type: ignore[arg-type]
        return stream

    app = web.Application()
    app.router.add_post("/v1/commands", commands)
    app.router.add_get("/v1/updates", updates)
    return app


async def test_answers_that_are_not_liaisons_raise_client_errors(api: TestClient, redis: Redis) -> None:
    """Behind a proxy that answers on its own — HTML pages, text, JSON that is not Liaison's error body, a
    Retry-After as an HTTP date, an event that cannot be read — the client raises a ClientError kind saying what
    came back, never a JSON, Key or Type error; what the proxy passes on is answered as usual."""
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    answers = [
        web.Response(status=502, text="<html><body>Bad Gateway</body></html>", content_type="text/html"),
        web.Response(status=429, text="slow down", headers={"Retry-After": soon}),
        web.Response(status=429, text="slow down", headers={"Retry-After": past}),
        web.Response(status=400, text='{"reason": "a string"}', content_type="application/json"),
        web.Response(status=422, text='{"reason": ["a", "list"]}', content_type="application/json"),
        web.Response(status=422, text='[1, 2]', content_type="application/json"),
        web.Response(status=200, text="<html>maintenance</html>", content_type="text/html"),
        web.Response(status=401, text='{"reason": {"code": 5}}', content_type="application/json"),
        web.Response(status=403, body=b""),
    ]
    raised: list[ClientError] = []
    server = TestServer(_front(_base(api), answers))
    await server.start_server()
    try:
        async with Client(str(server.make_url("")), await _officer(redis)) as client:
            for _ in range(9):
                with pytest.raises(ClientError) as error:
                    await client.send(log_call("client-behind-a-proxy"))
                raised.append(error.value)
            assert (await client.send(log_call("client-behind-a-proxy"))).status == "accepted"  # passed on
            answers += [web.Response(status=503, text="<html>down</html>", content_type="text/html"),
                        web.Response(status=200, body=b"retry: 5\n\ndata: not json\n\n"),
                        web.Response(status=200, body=b'event: resync\ndata: {"reason": "lost"}\n\n')]
            with pytest.raises(Unavailable):
                await anext(client.updates())
            for _ in range(2):
                with pytest.raises(ClientError) as unreadable:
                    await anext(client.updates())
                assert unreadable.value.code == "unreadable_event"
    finally:
        await server.close()
    kinds = [type(e) for e in raised]
    assert kinds == [Unavailable, RateLimited, RateLimited, ClientError, ClientError, ClientError, ClientError,
                     Unauthorized, ClientError]
    assert raised[0].code == "http_502"
    assert "HTTP 502 Bad Gateway" in raised[0].message
    assert "Bad Gateway</body>" in raised[0].message
    assert isinstance(raised[1], RateLimited)
    assert isinstance(raised[2], RateLimited)
    assert 25 <= raised[1].retry_after <= 30
    assert raised[2].retry_after == 0
    assert [e.status for e in raised[3:]] == [400, 422, 422, 200, 401, 403]
    assert all(e.message for e in raised)


async def test_the_gateway_losing_redis_mid_stream_is_a_drop_to_resume_from() -> None:
    """``event: unavailable`` (the gateway could not record a disclosure and ended the stream) is a drop: the client
    reconnects after the ``retry:`` it was given, from the last id, and goes on."""
    ready = b'retry: 150\n\nid: s1.first\nevent: ready\ndata: {"position": "s1.first"}\n\n'
    lost = b'event: unavailable\ndata: {"reason": {"code": "redis_unavailable", "message": "reconnect"}}\n\n'
    update = (b'id: s1.second\n'
              b'data: {"case_id": "HL-1", "version": 2, "partition": 0, "position": "1-0", "view": {}}\n\n')
    resumed_from: list[str | None] = []
    answers = [web.Response(body=ready + lost), web.Response(body=update)]
    server = TestServer(_front("http://127.0.0.1:9", answers, resumed_from))
    await server.start_server()
    try:
        async with Client(str(server.make_url("")), "lsn_x_y") as client:
            stream = client.updates()
            started = time.monotonic()
            item = await _update(stream, 5)
            waited = time.monotonic() - started
            await stream.aclose()
    finally:
        await server.close()
    assert (item.id, item.case_id, item.version) == ("s1.second", "HL-1", 2)
    assert resumed_from == [None, "s1.first"]
    assert 0.15 <= waited < 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """``Retry-After``: delay-seconds or an HTTP-date in any of the three forms RFC 9110 accepts; 1 s if unreadable."""
    now = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Mon, 23 Nov 2026 02:30:45 GMT", now) == 45
    assert retry_after("Monday, 23-Nov-26 02:31:00 GMT", now) == 60
    assert retry_after("Mon Nov 23 02:30:10 2026", now) == 10
    assert retry_after("Mon, 23 Nov 2026 02:00:00 GMT", now) == 0
    assert retry_after(None, now) == retry_after("soon", now) == retry_after("-5", now) == retry_after("nan", now) == 1


def _tries(attempts: list[float]) -> list[float]:
    """The client's attempts among the proxy's connections: aiohttp tries a GET once more at once when the server
    closes the connection before answering (RFC 9112 §9.3.1.1), so connections 50 ms apart are one attempt."""
    tries: list[float] = []
    for at in attempts:
        if not tries or at - tries[-1] > 0.05:
            tries.append(at)
    return tries


async def test_updates_resume_by_themselves_after_the_network_drops(api: TestClient, redis: Redis) -> None:
    """Connections cut, the gateway unreachable for a while: the stream comes back by itself after the gateway's
    ``retry:`` (then twice as long after a failed attempt), sending back the sealed id it last received, and the
    update written meanwhile arrives — resumed, not followed from now."""
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-drop")
    async with proxy_to(api.port) as proxy, Client(f"http://127.0.0.1:{proxy.port}", officer) as follower:
        stream = follower.updates(case=case_id)
        first = asyncio.create_task(_update(stream))
        await _ready(follower)
        await _send(api, officer, _letter(1, case_id))
        v2 = await first
        proxy.refusing = True
        proxy.cut()
        cut = time.monotonic()
        after_drop = asyncio.create_task(_update(stream))
        await _send(api, officer, _letter(2, case_id))
        await projected(await EventStore.open(redis))

        async def two_refused() -> bool:
            return len(_tries(proxy.attempts)) >= 3

        await eventually(two_refused, what="two reconnection attempts")
        proxy.refusing = False
        v3 = await after_drop
        await stream.aclose()
    assert (v2.version, v3.version) == (2, 3)
    assert proxy.last_event_ids() == [None, v2.id]
    assert v2.id.startswith("s1.")
    tries = _tries(proxy.attempts)
    first_try, second_try = tries[1] - cut, tries[2] - tries[1]
    assert RETRY_S <= first_try < RETRY_S * 1.25 + 0.3
    assert 2 * RETRY_S <= second_try < 2 * RETRY_S * 1.25 + 0.3


async def test_a_silent_connection_is_taken_as_dropped(
    api: TestClient, redis: Redis, redis_server: RedisServer
) -> None:
    """A connection that goes silent (not even the keep-alive comments come) is dropped after ``idle_timeout_s``
    and the stream resumes on a new one."""
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-silent")
    async with gateway_client(gateway_config(redis_server.url, keepalive_s=0.1)) as gateway, \
            proxy_to(gateway.port) as proxy, Client(f"http://127.0.0.1:{proxy.port}", officer) as follower:
        stream = follower.updates(case=case_id, idle_timeout_s=0.6)
        update = asyncio.create_task(_update(stream))
        await _ready(follower)
        await asyncio.sleep(1.0)  # quiet but for keep-alives: no reconnection
        assert len(proxy.heads) == 1
        proxy.silence()

        async def reconnected() -> bool:
            return len(proxy.heads) == 2

        await eventually(reconnected, 3, "the client to give up the silent connection")
        await _send(api, officer, _letter(1, case_id))
        assert (await update).version == 2
        await stream.aclose()


async def test_updates_resume_by_themselves_after_the_gateway_restarts(
    api: TestClient, redis: Redis, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway stops (its open streams end) and comes back on the same address a little later: the client
    retries with a wait doubling up to ``max_backoff_s``, then resumes where it was (the update written while the
    gateway was down arrives)."""
    waits: list[float] = []
    real_backoff = liaison.client.backoff

    def recorded(retry_s: float, failures: int, max_backoff_s: float) -> float:
        waits.append(real_backoff(retry_s, failures, max_backoff_s))
        return waits[-1]

    monkeypatch.setattr(liaison.client, "backoff", recorded)
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-restart")
    gateway = TestServer(build_app(gateway_config(redis_server.url)))
    await gateway.start_server()
    port = gateway.port
    try:
        async with Client(f"http://127.0.0.1:{port}", officer) as follower:
            stream = follower.updates(case=case_id, max_backoff_s=0.5)
            update = asyncio.create_task(_update(stream))
            await _ready(follower)
            await gateway.close()
            await _send(api, officer, _letter(1, case_id))

            async def retried() -> bool:
                return len(waits) >= 4

            await eventually(retried, what="four attempts at reconnecting")
            gateway = TestServer(build_app(gateway_config(redis_server.url)), port=port)
            await gateway.start_server()
            assert (await update).version == 2
            await stream.aclose()
    finally:
        await gateway.close()
    assert RETRY_S <= waits[0] <= RETRY_S * 1.25
    assert 2 * RETRY_S <= waits[1] <= min(0.5, 2 * RETRY_S * 1.25)
    assert all(w <= 0.5 for w in waits)
    assert waits[3] == pytest.approx(0.5), "the wait stops growing at max_backoff_s"


async def test_a_position_the_restarted_gateway_does_not_take_is_a_resync(
    api: TestClient, redis: Redis, redis_server: RedisServer
) -> None:
    """A gateway restarted with another key cannot open the sealed position it gave: the client yields Resync
    (``invalid_last_event_id``: reload the views) and follows from now."""
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-rekeyed")
    gateway = TestServer(build_app(gateway_config(redis_server.url)))
    await gateway.start_server()
    port = gateway.port
    try:
        async with Client(f"http://127.0.0.1:{port}", officer) as follower:
            stream = follower.updates(case=case_id)
            resync = asyncio.create_task(asyncio.wait_for(anext(stream), 10))
            await _ready(follower)
            await gateway.close()
            gateway = TestServer(build_app(gateway_config(redis_server.url, signing_key=None)), port=port)
            await gateway.start_server()
            item = await resync
            assert isinstance(item, Resync)
            assert (item.reason.code, item.partitions) == ("invalid_last_event_id", ())
            update = asyncio.create_task(_update(stream))

            async def following() -> bool:
                return gateway.app[GATEWAY].subscribers == 1

            await eventually(following, what="the stream to follow from now")
            await _send(api, officer, _letter(1, case_id))
            assert (await update).version == 2
            await stream.aclose()
    finally:
        await gateway.close()


async def test_a_resume_past_lost_updates_yields_resync(api: TestClient, redis: Redis) -> None:
    """Resuming from a position whose following updates were trimmed: first a Resync (``updates_lost``, the
    partition concerned, sealed: no positions), then the updates still kept."""
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-lost")
    store = await EventStore.open(redis)
    async with Client(_base(api), officer) as client:
        stream = client.updates(case=case_id)
        first = asyncio.create_task(_update(stream))
        await _ready(client)
        await _send(api, officer, _letter(1, case_id))
        position = (await first).id
        await stream.aclose()
        for n in (2, 3):
            await _send(api, officer, _letter(n, case_id))
        await projected(store)
        partition = store.partition_of(case_id)
        await redis.xtrim(store.keys(partition).updates, maxlen=1, approximate=False)
        resumed = client.updates(case=case_id, last_event_id=position)
        resync = await asyncio.wait_for(anext(resumed), 10)
        kept = await _update(resumed)
        await resumed.aclose()
    assert isinstance(resync, Resync)
    assert resync.reason.code == "updates_lost"
    assert resync.partitions == ({"partition": partition, "problem": "trimmed"},)
    assert (kept.case_id, kept.version) == (case_id, 4)


async def test_a_token_revoked_mid_stream_ends_it_with_unauthorized(api: TestClient, redis: Redis) -> None:
    """Revoking the token of an open stream ends the iteration with Unauthorized (not a reconnection)."""
    issued = await tokens.issue(redis, "VN-LC-IBGS", "officer")
    case_id = await _case(api, issued.token, "client-revoked-stream")
    async with Client(_base(api), issued.token) as client:
        stream = client.updates(case=case_id)
        following = asyncio.create_task(asyncio.wait_for(anext(stream), 10))
        await _ready(client)
        await tokens.revoke(redis, issued.id)
        with pytest.raises(Unauthorized) as revoked:
            await following
    assert (revoked.value.status, revoked.value.code) == (401, "unauthorized")


async def test_a_revoked_token_is_an_unauthorized_error(api: TestClient, redis: Redis) -> None:
    """Once its token is revoked, the client's next send raises Unauthorized (one tree of errors, ClientError)."""
    issued = await tokens.issue(redis, "VN-LC-IBGS", "officer")
    await tokens.revoke(redis, issued.id)
    async with Client(_base(api), issued.token) as client:
        with pytest.raises(Unauthorized):
            await client.send(log_call("client-revoked"))
        with pytest.raises(Unauthorized):
            await anext(client.updates())


async def test_without_reconnecting_a_drop_raises_and_the_caller_resumes(api: TestClient, redis: Redis) -> None:
    """``reconnect=False``: a drop raises Unavailable; resuming by hand from ``last_event_id`` misses nothing."""
    officer = await _officer(redis)
    case_id = await _case(api, officer, "client-by-hand")
    async with proxy_to(api.port) as proxy, Client(f"http://127.0.0.1:{proxy.port}", officer) as follower:
        stream = follower.updates(case=case_id, reconnect=False)
        dropped = asyncio.create_task(asyncio.wait_for(anext(stream), 10))
        await _ready(follower)
        proxy.cut()
        with pytest.raises(Unavailable):
            await dropped
        position = follower.last_event_id
        await _send(api, officer, _letter(1, case_id))
        resumed = follower.updates(case=case_id, last_event_id=position, reconnect=False)
        assert (await _update(resumed)).version == 2
        await resumed.aclose()
    assert proxy.last_event_ids() == [None, position]


async def test_stopping_while_waiting_to_reconnect_stops_at_once(api: TestClient, redis: Redis) -> None:
    """A task following updates, cancelled while it waits to reconnect, ends at once and tries no more."""
    officer = await _officer(redis)
    async with proxy_to(api.port) as proxy, Client(f"http://127.0.0.1:{proxy.port}", officer) as follower:
        stream = follower.updates(max_backoff_s=5)
        task = asyncio.create_task(anext(stream))
        await _ready(follower)
        proxy.refusing = True
        proxy.cut()

        async def refused_once() -> bool:
            return len(proxy.attempts) >= 2

        await eventually(refused_once, what="a refused reconnection")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        attempts = len(proxy.attempts)
        await asyncio.sleep(4 * RETRY_S)
        assert len(proxy.attempts) == attempts
        await stream.aclose()

"""The gateway in-process (aiohttp test server on a free port) against the session's redis-server,
with the hotline app and a projections worker running in the same event loop."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.gateway.app import build_app
from services.gateway.config import GatewayConfig
from services.gateway.replies import GATEWAY
from services.gateway.resources import Gateway
from services.hotline.app import build as build_hotline
from services.hotline.config import HotlineConfig
from services.projections.queries import backlog
from services.projections.worker import Worker
from shared.access import tokens
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.conftest import TEST_PARTITIONS
from tests.signing import KEYS, register_test_keys, write_box_keys

Client = TestClient[Any, Any]
ROOT = Path(__file__).resolve().parents[3]

UNISSUED = "lsn_000000000000_"
READER_UNIT = "VN-LC-BGC"
READER_ROLES = ("auditor", "operator")
"""The unit of the tests' auditor and operator tokens (Lao Cai provincial command)."""


class AuthedClient(TestClient[Any, Any]):
    """A test client that presents a bearer token the route needs unless the request brings its own: an operator's
    for ``/metrics`` and ``/v1/persons``, an auditor's (who reads every case) otherwise; ``post`` sends as an
    officer of the report's unit."""

    tokens: dict[str, str]

    async def _request(self, method: str, path: Any, **kwargs: Any) -> ClientResponse:
        headers = dict(kwargs.pop("headers", None) or {})
        if "Authorization" not in headers:
            await self._readers()
            role = "operator" if str(path).startswith(("/metrics", "/v1/persons")) else "auditor"
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return await super()._request(method, path, headers=headers, **kwargs)

    async def _readers(self) -> None:
        """The auditor's and operator's tokens, issued once Redis answers; until then well-formed tokens no one
        issued (the gateway then answers as it would any caller while Redis is down)."""
        if getattr(self, "tokens", None) and not self.tokens["auditor"].startswith(UNISSUED):
            return
        redis = Redis.from_url(self.app[GATEWAY].config.redis_url)  # type: ignore[index]
        try:
            self.tokens = {role: (await tokens.issue(redis, READER_UNIT, role)).token for role in READER_ROLES}
        except (RedisError, OSError):
            self.tokens = {"auditor": UNISSUED + "a" * 43, "operator": UNISSUED + "o" * 43}
        finally:
            await redis.aclose()

    async def officer(self, unit: str) -> str:
        """An officer token of ``unit`` (issued once per client)."""
        await self._readers()
        if f"officer:{unit}" not in self.tokens:
            redis = Redis.from_url(self.app[GATEWAY].config.redis_url)  # type: ignore[index]
            try:
                self.tokens[f"officer:{unit}"] = (await tokens.issue(redis, unit, "officer")).token
            finally:
                await redis.aclose()
        return self.tokens[f"officer:{unit}"]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0, what: str = "condition") -> None:
    """Poll ``check`` every 20 ms until it holds; fail naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.02)


def gateway_config(url: str, **overrides: Any) -> GatewayConfig:
    """A gateway config with short reads, so streams notice a gone client or a shutdown quickly."""
    values: dict[str, Any] = {"redis_url": url, "outcome_timeout_s": 5.0, "read_block_ms": 100,
                              "signing_key": KEYS["gateway"]} | overrides
    return GatewayConfig(**values)


@asynccontextmanager
async def gateway_client(config: GatewayConfig) -> AsyncIterator[Client]:
    """A test client of a gateway app serving on a free port; the app is shut down on exit."""
    client = AuthedClient(TestServer(build_app(config)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def resources(client: Client) -> Gateway:
    """The Gateway behind a test client (its config, metrics, counters)."""
    return client.app[GATEWAY]  # type: ignore[index]


@asynccontextmanager
async def hotline_running(url: str) -> AsyncIterator[None]:
    """The hotline FastStream app in this event loop."""
    app, _ = build_hotline(HotlineConfig(redis_url=url, partitions=TEST_PARTITIONS, consumer="gw-test"))
    await app.start()
    try:
        yield
    finally:
        await app.stop()


@asynccontextmanager
async def incidents_running(url: str, workdir: Path) -> AsyncIterator[None]:
    """``python -m services.incidents`` as a process, until its consumer group exists; terminated on exit.

    A process rather than the app in this event loop: stopping the in-process app was seen to hang
    now and then (about one run in twelve), and a process can always be killed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env |= {"LIAISON_REDIS_URL": url, "LIAISON_VAR": str(workdir), "PYTHONPATH": str(ROOT)}
    write_box_keys(workdir)  # its signing key, where `liaison up` would put it
    registering = Redis.from_url(url)
    try:
        await register_test_keys(registering)
    finally:
        await registering.aclose()
    # The child writes its log through its own copy of the descriptor: ours closes at once.
    with open(workdir / "incidents.log", "wb") as log:  # noqa: ASYNC230 - opened once, not in a loop
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.incidents", env=env, cwd=ROOT, stdout=log, stderr=log
        )
    client = Redis.from_url(url)
    try:

        async def reading() -> bool:
            assert process.returncode is None, (workdir / "incidents.log").read_text()
            if not await client.exists(keys.intake("incidents")):
                return False
            groups: Any = await client.xinfo_groups(keys.intake("incidents"))
            return any(g["name"] == b"incidents" for g in groups)

        await eventually(reading, 20, "the incidents service to create its consumer group")
        yield
    finally:
        await client.aclose()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@asynccontextmanager
async def projections_running(store: EventStore) -> AsyncIterator[Worker]:
    """A projections worker in a task of this event loop."""
    worker = Worker(store.redis, store, consumer="gw-test", block_ms=50)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, timeout=10)


async def projected(store: EventStore, within: float = 10.0) -> None:
    """Wait until the projections have finished every log entry."""

    async def done() -> bool:
        return await backlog(store.redis, store) == 0

    await eventually(done, within, "the projections to catch up")


@pytest.fixture
async def api(redis: Redis, store: EventStore, redis_server: RedisServer) -> AsyncIterator[Client]:
    """The whole system in-process: hotline, projections and the gateway on an emptied Redis."""
    async with hotline_running(redis_server.url), projections_running(store), gateway_client(
        gateway_config(redis_server.url)
    ) as client:
        yield client


@pytest.fixture
def bare_api(redis_server: RedisServer) -> Callable[..., AbstractAsyncContextManager[Client]]:
    """A gateway with no service running (tests play the service by writing outcomes themselves)."""

    def make(**overrides: Any) -> AbstractAsyncContextManager[Client]:
        return gateway_client(gateway_config(redis_server.url, **overrides))

    return make


@dataclass
class Event:
    """One server-sent event."""

    id: str | None
    event: str
    data: str

    def json(self) -> Any:
        """The data, parsed."""
        return msgspec.json.decode(self.data)


@dataclass
class EventStream:
    """Reads server-sent events (and keep-alive comments) from a streaming response."""

    response: ClientResponse
    ready_id: str = ""
    """The id of the ``ready`` event: the position the stream started from."""
    comments: list[str] = field(default_factory=list)

    async def next(self, within: float = 5.0) -> Event:
        """The next event; fails after ``within`` seconds without one."""
        return await asyncio.wait_for(self._next(), within)

    async def _next(self) -> Event:
        event_id: str | None = None
        kind = "message"
        data: list[str] = []
        while True:
            raw = await self.response.content.readline()
            if not raw:
                raise EOFError("the server ended the stream")
            line = raw.decode().rstrip("\n")
            if not line:
                if data:
                    return Event(event_id, kind, "\n".join(data))
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                self.comments.append(value)
            elif name == "id":
                event_id = value
            elif name == "event":
                kind = value
            elif name == "data":
                data.append(value)

    async def updates(self, count: int, within: float = 10.0) -> list[Event]:
        """The next ``count`` update events (the default ``message`` type)."""
        found: list[Event] = []
        deadline = time.monotonic() + within
        while len(found) < count:
            event = await self.next(max(deadline - time.monotonic(), 0.01))
            if event.event == "message":
                found.append(event)
        return found


async def subscribe(client: Client, path: str = "/v1/updates", last_event_id: str | None = None) -> EventStream:
    """Open a case-updates stream and read its ``ready`` event (so it is following when this returns)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/event-stream"
    stream = EventStream(response)
    ready = await stream.next()
    assert ready.event == "ready", ready
    assert ready.id is not None
    stream.ready_id = ready.id
    return stream


async def post(client: Client, report: dict[str, Any] | bytes) -> tuple[int, Any]:
    """POST one report as an officer of its unit (of Lao Cai station if it names none); the status and the body."""
    body = report if isinstance(report, bytes) else msgspec.json.encode(report)
    unit = report.get("unit") if isinstance(report, dict) else None
    assert isinstance(client, AuthedClient)
    token = await client.officer(unit if isinstance(unit, str) and unit else "VN-LC-IBGS")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    response = await client.post("/v1/commands", data=body, headers=headers)
    return response.status, msgspec.json.decode(await response.read())


@pytest.fixture
async def store(redis: Redis) -> EventStore:
    """A fresh event store with the test keys registered (tests/signing.py): the intakes here check signatures."""
    return await register_test_keys(redis)

"""``liaison up``: Redis if needed, every service as its own supervised process; Ctrl-C stops all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from liaison.exits import CliError
from liaison.operate import SERVICES
from shared import settings as settings_module
from shared.access import acl, box_keys
from shared.logging import configure as configure_logging
from shared.redis_client import client_of, redacted
from shared.redis_server import RedisServer, RedisServerError
from shared.store import EventStore

STOP_GRACE_S = 10.0
MAX_BACKOFF_S = 30.0

log = structlog.get_logger("liaison.up")


@dataclass
class Child:
    """One supervised service process."""

    name: str
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restarts: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


def _embedded_redis(settings: settings_module.Settings) -> RedisServer:
    sock = settings.embedded_socket
    if sock.exists():
        probe = RedisServer(settings.var_dir / "redis", unix_socket=sock)
        if probe.answers():
            raise CliError(f"an embedded Redis is already running at {sock}: is another `liaison up` running?")
        sock.unlink()
    server = RedisServer(settings.var_dir / "redis", unix_socket=sock)
    try:
        return server.start()
    except RedisServerError as err:
        raise CliError(str(err)) from err


class Supervisor:
    """Starts the services, restarts one that dies (with back-off), and stops all on a signal."""

    def __init__(self, redis_url: str | None, services: tuple[str, ...] = SERVICES) -> None:
        # An external Redis is given to every child as is; on the embedded one each child is its own ACL user,
        # and finds the socket and its password under LIAISON_VAR (shared/settings.py).
        self.env = dict(os.environ) | ({"LIAISON_REDIS_URL": redis_url} if redis_url else {})
        self.embedded = redis_url is None
        self.children = [Child(name) for name in services]
        self.stopping = asyncio.Event()

    async def _spawn(self, child: Child) -> None:
        # A session of its own: Ctrl-C reaches only the supervisor, which then stops the
        # children in order instead of all of them racing to exit at once.
        env = self.env | ({"LIAISON_REDIS_USER": child.name} if self.embedded else {})
        child.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{child.name}", env=env, start_new_session=True
        )
        child.started_at = time.monotonic()
        print(f"  {child.name:<12} pid {child.process.pid}", flush=True)

    async def _watch(self, child: Child) -> None:
        while not self.stopping.is_set():
            await self._spawn(child)
            assert child.process is not None
            code = await child.process.wait()
            if self.stopping.is_set():
                return
            if time.monotonic() - child.started_at > 60:
                child.backoff = 1.0
            child.restarts += 1
            log.warning("service exited; restarting", service=child.name, code=code, in_s=child.backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), child.backoff)
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)

    async def run(self) -> None:
        """Run until SIGINT or SIGTERM, then stop every child (SIGTERM, then SIGKILL after a grace period)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        for child in self.children:
            child.task = asyncio.create_task(self._watch(child))
        await self.stopping.wait()
        print("stopping services...", flush=True)
        await asyncio.gather(*(self._stop(child) for child in self.children))

    async def _stop(self, child: Child) -> None:
        process = child.process
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        if child.task is not None:
            child.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await child.task


async def _lock_down(url: str, settings: settings_module.Settings) -> None:
    """Give every service and role its own ACL user on the fresh embedded Redis, then turn the default user off."""
    client = client_of(url)
    try:
        await acl.apply(client, settings.var_dir)
    finally:
        await client.aclose()


async def _prepare_store(url: str, partitions: int, var_dir: Path) -> tuple[int, list[str]]:
    """The store (created if new) and the box's signing keys (made and registered where missing, ADR 0020)."""
    client = client_of(url)
    try:
        store = await EventStore.create(client, partitions)
        return store.partitions, await box_keys.ensure(store, var_dir)
    finally:
        await client.aclose()


def up() -> int:
    """Entry point of ``liaison up``."""
    configure_logging("liaison-up")
    try:
        settings = settings_module.load()
    except settings_module.SettingsError as err:
        raise CliError(str(err)) from err
    embedded: RedisServer | None = None
    if settings.redis_url:
        url = settings.redis_url
        where = f"Redis: {redacted(url)} (from LIAISON_REDIS_URL)"
    else:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        embedded = _embedded_redis(settings)
        url = embedded.url
        where = (f"Redis: {embedded.url} (embedded; AOF always; data in {embedded.data_dir}; default user off, "
                 f"one ACL user per service, passwords in {acl.credentials_dir(settings.var_dir)})")
    try:
        if embedded is not None:  # inside the try: a failure here still stops the Redis just started
            asyncio.run(_lock_down(embedded.url, settings))
            url = settings_module.load().resolved_redis_url() or embedded.url  # as the operator, from now on
        try:
            partitions, new_keys = asyncio.run(_prepare_store(url, settings.partitions, settings.var_dir))
        except box_keys.SigningKeyMissing as err:
            raise CliError(str(err)) from err
        print("Liaison is up.", flush=True)
        print(f"  {where}", flush=True)
        print(f"  event store: {partitions} partitions", flush=True)
        print(f"  signing keys: {box_keys.keys_dir(settings.var_dir)} (mode 0600; {len(new_keys)} registered now; "
              "`liaison unit-key list`)", flush=True)
        print(f"  HTTP API: http://{settings.http}/ (case board at /, OpenAPI at /openapi.json)", flush=True)
        print("  it needs a bearer token: liaison token issue --unit UNIT --role viewer|officer|auditor|operator",
              flush=True)
        print("  `liaison send`, `liaison cases`, `liaison watch` in other shells find this Redis", flush=True)
        print("services:", flush=True)
        asyncio.run(Supervisor(None if embedded is not None else url).run())
    finally:
        if embedded is not None:
            embedded.stop()
            print("embedded Redis stopped.", flush=True)
    return 0

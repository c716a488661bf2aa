"""A tool that sends hotline reports the way a careful one would: it rides out Redis outages.

A send that fails is tried again; a report left unanswered for a while is sent again (safe: the
same command id is recorded once and answered the same). Outcomes are matched by command id.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from redis.exceptions import RedisError

from shared.outcomes import Outcome, outcome_decoder
from shared.redis_client import client_of
from shared.reports import SERVICE_OF
from shared.store import keys
from tests.signing import signed

FAILURES = (RedisError, OSError)


async def stop_task(task: asyncio.Task[None], grace: float = 2.0) -> None:
    """Let a task that watches a stop flag end; then cancel it until it has ended (see Reporter.__aexit__)."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    while not done:
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=0.1)
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]  # a failure of the task is the test's failure


class Reporter:
    """Sends reports to the intake of the service for their type, waits for their outcomes, retries through outages."""

    def __init__(self, url: str, resend_after: float = 5.0) -> None:
        # Short socket timeouts: a dead server is noticed in about a second, not redis-py's default.
        self.redis = client_of(url, socket_timeout=2, socket_connect_timeout=1)
        self.resend_after = resend_after
        self.answers: dict[str, Outcome] = {}
        self.errors = 0
        """Redis failures met while sending or reading (evidence that an outage hit the traffic)."""
        self.resends = 0
        self._waiting: dict[str, asyncio.Future[Outcome]] = {}
        self._last = "0-0"
        self._tail: asyncio.Task[None] | None = None
        self._closing = False

    async def __aenter__(self) -> Reporter:
        newest: Any = await self.redis.xrevrange(keys.OUTCOMES, "+", "-", count=1)
        if newest:
            self._last = newest[0][0].decode()
        self._tail = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Ask the reader to stop after its current short read rather than only cancelling it: on
        # Python 3.11 redis-py can drop a cancellation that lands as a command completes.
        self._closing = True
        if self._tail is not None:
            await stop_task(self._tail)
        await self.redis.aclose()

    async def send(self, report: dict[str, Any], within: float = 60.0) -> Outcome:
        """Put the report on the intake until it is answered; fail after ``within`` seconds."""
        command_id = report["command_id"]
        answered = self._waiting.get(command_id)
        if answered is None or answered.done():  # a first send, or a resend after an answer (version_conflict)
            answered = self._waiting[command_id] = asyncio.get_running_loop().create_future()
        raw = msgspec.json.encode(report)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                await self.redis.xadd(keys.intake(SERVICE_OF.get(report.get("type", ""), "hotline")), signed(raw))
            except FAILURES:
                self.errors += 1
                await asyncio.sleep(0.05)
                continue
            try:
                return await asyncio.wait_for(asyncio.shield(answered), self.resend_after)
            except TimeoutError:
                self.resends += 1
        raise AssertionError(f"no outcome for {command_id} within {within} s")

    async def _follow(self) -> None:
        while not self._closing:
            try:
                reply: Any = await self.redis.xread({keys.OUTCOMES: self._last}, count=500, block=500)
            except FAILURES:
                self.errors += 1
                await asyncio.sleep(0.05)
                continue
            for _, entries in reply or []:
                for entry_id, fields in entries:
                    self._last = entry_id.decode()
                    command_id = fields[b"command_id"].decode()
                    outcome = outcome_decoder.decode(fields[b"outcome"])
                    self.answers.setdefault(command_id, outcome)
                    waiting = self._waiting.get(command_id)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(outcome)

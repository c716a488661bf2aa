"""A small typed client of Liaison's HTTP API for officers' tools and dashboards (docs/clients.md).

    async with Client("http://127.0.0.1:8080", token) as client:
        outcome = await client.send(report)                 # -> Outcome (accepted or rejected, with its reason)
        async for update in client.updates(case=case_id):   # server-sent case updates (resume with last_event_id=)
            print(update.view["status"])

Errors are one tree under ``ClientError``; a rejected report is an ``Outcome``, not an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
import msgspec

from shared.outcomes import Outcome, outcome_decoder


class ClientError(Exception):
    """Liaison answered an error, or could not be reached: the HTTP status (0 if none), the reason code, a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Unauthorized(ClientError):
    """401: no token, or an unknown, revoked or expired one."""


class Forbidden(ClientError):
    """403 from the door: the token's role may not do this, or the report is not of the token's unit."""


class RateLimited(ClientError):
    """429: wait ``retry_after`` seconds."""

    def __init__(self, status: int, code: str, message: str, retry_after: float) -> None:
        super().__init__(status, code, message)
        self.retry_after = retry_after


class Unavailable(ClientError):
    """503/504, or no answer at all: sending the same report again is safe (it is recorded once)."""


@dataclass(frozen=True)
class Update:
    """One server-sent case update: its stream position (resume from it), the case, its version and view."""

    id: str
    case_id: str
    version: int
    view: dict[str, Any] = field(repr=False)


_reason = msgspec.json.Decoder(dict[str, Any])


def _error(status: int, body: bytes, headers: Mapping[str, str]) -> ClientError:
    try:
        reason = _reason.decode(body).get("reason") or {}
    except msgspec.DecodeError:
        reason = {}
    code = str(reason.get("code", "http_error"))
    message = str(reason.get("message", body[:200].decode("utf-8", "replace")))
    if status == 401:
        return Unauthorized(status, code, message)
    if status == 429:
        return RateLimited(status, code, message, float(headers.get("Retry-After", "1")))
    if status in (502, 503, 504):
        return Unavailable(status, code, message)
    if status == 403 and code in ("forbidden", "not_your_unit"):
        return Forbidden(status, code, message)
    return ClientError(status, code, message)


class Client:
    """One bearer token's connection to a Liaison gateway."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=None)
        self._send_timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.last_event_id: str | None = None
        """Where the update stream got to: ``updates(last_event_id=client.last_event_id)`` resumes there."""

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open session (``async with Client(...)`` opens it)."""
        if self._session is None:
            raise RuntimeError("use the client in `async with Client(...) as client:`")
        return self._session

    async def send(self, report: Mapping[str, Any] | bytes) -> Outcome:
        """Send one report; its outcome, accepted or rejected (a refused report is an outcome, not an error)."""
        body = report if isinstance(report, bytes) else msgspec.json.encode(report)
        try:
            async with self.session.post(f"{self.base_url}/v1/commands", data=body, timeout=self._send_timeout,
                                         headers={"Content-Type": "application/json"}) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as err:
            raise Unavailable(0, "unreachable", str(err) or type(err).__name__) from err
        try:
            outcome: Outcome = outcome_decoder.decode(raw)
        except msgspec.DecodeError:
            raise _error(status, raw, headers) from None
        door = outcome.reason is not None and outcome.reason.code in ("forbidden", "not_your_unit")
        if status in (401, 429, 503, 504) or (status == 403 and door):
            raise _error(status, raw, headers)
        return outcome

    async def updates(self, case: str | None = None, last_event_id: str | None = None) -> AsyncIterator[Update]:
        """Case updates as they are written (only the cases this token may see), from ``last_event_id`` if given."""
        headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
        params = {} if case is None else {"case": case}
        try:
            async with self.session.get(f"{self.base_url}/v1/updates", headers=headers, params=params) as response:
                if response.status != 200:
                    raise _error(response.status, await response.read(), response.headers)
                async for event, event_id, data in _events(response.content):
                    if event_id:
                        self.last_event_id = event_id
                    if event == "unauthorized":
                        raise Unauthorized(401, "unauthorized", "the token was revoked or expired")
                    if event == "message":
                        update = msgspec.json.decode(data)
                        yield Update(event_id, update["case_id"], update["version"], update["view"])
        except (aiohttp.ClientError, TimeoutError) as err:
            raise Unavailable(0, "unreachable", str(err) or type(err).__name__) from err


async def _events(stream: aiohttp.StreamReader) -> AsyncIterator[tuple[str, str, bytes]]:
    """Server-sent events as (event, id, data) from a response body (comments and ``retry:`` skipped)."""
    event, event_id, data = "message", "", b""
    async for raw in stream:
        line = raw.rstrip(b"\r\n")
        if not line:
            if data:
                yield event, event_id, data
            event, data = "message", b""
            continue
        name, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if name == b"event":
            event = value.decode()
        elif name == b"id":
            event_id = value.decode()
        elif name == b"data":
            data = data + b"\n" + value if data else value

"""A small typed client of Liaison's HTTP API for officers' tools and dashboards (docs/clients.md).

    async with Client("http://127.0.0.1:8080", token) as client:
        outcome = await client.send(report)                 # -> Outcome (accepted or rejected, with its reason)
        async for item in client.updates(case=case_id):     # server-sent case updates; reconnects by itself
            if isinstance(item, Resync):                    # updates were lost: reload the views
                ...
            else:
                print(item.view["status"])

Errors are one tree under ``ClientError``; a rejected report is an ``Outcome``, not an error.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

import aiohttp
import msgspec

from shared.outcomes import Outcome, Reason, outcome_decoder

log = logging.getLogger("liaison.client")

DEFAULT_RETRY_S = 1.0
"""How long to wait before reconnecting when the gateway has not said (its ``retry:`` field says 1 s)."""
MAX_BACKOFF_S = 30.0
"""The longest wait between two reconnection attempts by default (the wait doubles after each failed one)."""
IDLE_TIMEOUT_S = 60.0
"""A stream silent this long (not even a keep-alive comment, sent every 15 s by default) is taken as dropped."""

DOOR_CODES = ("forbidden", "not_your_unit")
"""403 codes of the door itself (the token may not do this); other 403s are the services' rejections."""
REPORT_REFUSALS = (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNPROCESSABLE_ENTITY)
"""Statuses whose error body refuses the report itself (too large, not JSON, unknown type...): an Outcome."""
UNAVAILABLE = (HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT)


class ClientError(Exception):
    """Liaison answered an error, or could not be reached: the HTTP status (0 if none), the reason code, a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Unauthorized(ClientError):
    """401, or ``event: unauthorized`` on the update stream: no token, or an unknown, revoked or expired one."""


class Forbidden(ClientError):
    """403 from the door: the token's role may not do this, or the report is not of the token's unit."""


class RateLimited(ClientError):
    """429: wait ``retry_after`` seconds (from ``Retry-After``, in seconds or as an HTTP date)."""

    def __init__(self, status: int, code: str, message: str, retry_after: float) -> None:
        super().__init__(status, code, message)
        self.retry_after = retry_after


class Unavailable(ClientError):
    """502/503/504, no answer at all, or a dropped update stream: sending the same report again is safe (it is
    recorded once); an update stream resumes from ``Client.last_event_id``."""


@dataclass(frozen=True)
class Update:
    """One server-sent case update: its stream position (resume from it), the case, its version and view."""

    id: str
    case_id: str
    version: int
    view: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Resync:
    """Updates after the position the stream resumed from are gone: reload the views (``GET /v1/cases``), then
    keep following. ``reason.code`` is ``updates_lost`` (the gateway trimmed them, or the position was past a
    stream's end: the store was emptied or restored) or ``invalid_last_event_id`` (the gateway no longer takes
    the position, e.g. its key changed: the stream follows from now). ``partitions``: each ``{"partition",
    "problem"}`` concerned (``trimmed`` or ``ahead``; an auditor also gets the positions)."""

    reason: Reason
    partitions: tuple[dict[str, Any], ...] = ()


class _ErrorBody(msgspec.Struct):
    """The gateway's error body, ``{"reason": {"code", "message"}}`` with ``command_id`` for a report; every field
    optional, so any JSON object decodes and what it holds is checked."""

    reason: Any = None
    command_id: Any = None


class _Reason(msgspec.Struct):
    code: str
    message: str = ""


class _CommandId(msgspec.Struct):
    command_id: Any = None


class _UpdateData(msgspec.Struct):
    case_id: str
    version: int
    view: dict[str, Any]


class _ResyncData(msgspec.Struct):
    reason: _Reason
    partitions: list[dict[str, Any]] = []


class _UnauthorizedData(msgspec.Struct):
    reason: _Reason


_error_body = msgspec.json.Decoder(_ErrorBody)
_update_data = msgspec.json.Decoder(_UpdateData)
_resync_data = msgspec.json.Decoder(_ResyncData)
_unauthorized_data = msgspec.json.Decoder(_UnauthorizedData)
_command_id = msgspec.json.Decoder(_CommandId)


def _reason(body: bytes) -> tuple[Reason | None, Any]:
    """The reason and command id of an error body, or (None, None) when it is not one (not JSON, not an object,
    ``reason`` not an object with a string ``code``)."""
    try:
        decoded = _error_body.decode(body)
        found = msgspec.convert(decoded.reason, _Reason)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None, None
    return Reason(found.code, found.message), decoded.command_id


def retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); 1 when it is
    missing or unreadable, 0 for a date already past."""
    if value is None:
        return 1.0
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else 1.0
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return 1.0
    if when.tzinfo is None:  # HTTP dates are in GMT ("-0000" is read as no zone)
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error(status: int, body: bytes, headers: Mapping[str, str]) -> ClientError:
    """The ClientError of one HTTP error answer, whatever its body (a proxy's HTML page as much as Liaison's JSON)."""
    found, _ = _reason(body)
    if found is not None:
        code, message = found.code, found.message
    else:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "unknown status"
        snippet = body[:200].decode("utf-8", "replace").strip()
        code = f"http_{status}"
        message = (f"HTTP {status} {phrase}, without Liaison's error body (is something else answering?)"
                   + (f": {snippet}" if snippet else ""))
    if status == HTTPStatus.UNAUTHORIZED:
        return Unauthorized(status, code, message)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return RateLimited(status, code, message, retry_after(headers.get("Retry-After")))
    if status in UNAVAILABLE:
        return Unavailable(status, code, message)
    if status == HTTPStatus.FORBIDDEN and code in DOOR_CODES:
        return Forbidden(status, code, message)
    return ClientError(status, code, message)


def _command_id_of(report: Mapping[str, Any] | bytes) -> str:
    """The command id a report names, or "" (not JSON, none given)."""
    if isinstance(report, bytes):
        try:
            named = _command_id.decode(report).command_id
        except (msgspec.DecodeError, msgspec.ValidationError):
            return ""
    else:
        named = report.get("command_id")
    return named if isinstance(named, str) else ""


def backoff(retry_s: float, failures: int, max_backoff_s: float) -> float:
    """The wait before the next reconnection attempt: the gateway's ``retry:`` after a drop, doubling with each
    failed attempt since, with up to a quarter more at random (clients dropped together do not return together);
    never more than ``max_backoff_s``."""
    base = retry_s * 2.0 ** min(failures, 32)
    return min(max_backoff_s, base * random.uniform(1.0, 1.25))


class Client:
    """One bearer token's connection to a Liaison gateway."""

    def __init__(self, base_url: str, token: str, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._connect_s = timeout_s
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=None)
        self._send_timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.last_event_id: str | None = None
        """Where the update stream got to (the id of the last event with one, as the gateway sent it):
        ``updates(last_event_id=client.last_event_id)`` resumes there."""

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
        """Send one report; its outcome, accepted or rejected (a refused report is an outcome, not an error).

        The gateway's own refusals of a report (413 ``too_large``; 422 ``invalid_json``, ``invalid``,
        ``unknown_type``, ``reserved_command_id``) are rejected outcomes too, under the report's command id
        ("" when it names none). What the door refuses raises: 401 ``Unauthorized``, 403 ``Forbidden``, 429
        ``RateLimited``, 502/503/504 or no answer ``Unavailable``, any other answer that is not an outcome
        ``ClientError``.
        """
        body = report if isinstance(report, bytes) else msgspec.json.encode(report)
        try:
            async with self.session.post(f"{self.base_url}/v1/commands", data=body, timeout=self._send_timeout,
                                         headers={"Content-Type": "application/json"}) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError) as err:
            raise Unavailable(0, "unreachable", str(err) or type(err).__name__) from err
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.TOO_MANY_REQUESTS, *UNAVAILABLE):
            raise _error(status, raw, headers)
        try:
            outcome: Outcome = outcome_decoder.decode(raw)
        except msgspec.DecodeError:
            refused, command_id = _reason(raw) if status in REPORT_REFUSALS else (None, None)
            if refused is None:
                raise _error(status, raw, headers) from None
            named = command_id if isinstance(command_id, str) else _command_id_of(report)
            return Outcome(command_id=named, status="rejected", reason=refused)
        if status == HTTPStatus.FORBIDDEN and outcome.reason is not None and outcome.reason.code in DOOR_CODES:
            raise _error(status, raw, headers)
        return outcome

    async def updates(
        self,
        case: str | None = None,
        last_event_id: str | None = None,
        *,
        reconnect: bool = True,
        max_backoff_s: float = MAX_BACKOFF_S,
        idle_timeout_s: float | None = IDLE_TIMEOUT_S,
    ) -> AsyncGenerator[Update | Resync, None]:
        """Case updates as they are written (only the cases this token may see), from ``last_event_id`` if given.

        Yields an ``Update`` per update, and a ``Resync`` when updates after the resumed position are gone (reload
        the views). After a drop (the gateway restarting, the network, a stream silent for ``idle_timeout_s``) it
        reconnects by itself from the last id received, waiting the gateway's ``retry:`` time, doubled after each
        failed attempt up to ``max_backoff_s``. The first connection is not retried: its failure raises, so a
        wrong address or token shows at once. ``reconnect=False``: a drop raises ``Unavailable`` instead (resume
        with ``last_event_id=client.last_event_id``). A revoked or expired token raises ``Unauthorized``. Stop
        iterating (``break``, or ``aclose()``) to close the stream.
        """
        position = last_event_id
        retry_s = DEFAULT_RETRY_S
        failures = 0
        connected = False
        params = {} if case is None else {"case": case}
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._connect_s, sock_read=idle_timeout_s)
        while True:
            headers = {} if position is None else {"Last-Event-ID": position}
            try:
                async with self.session.get(f"{self.base_url}/v1/updates", headers=headers, params=params,
                                            timeout=timeout) as response:
                    if response.status != HTTPStatus.OK:
                        raise _error(response.status, await response.read(), response.headers)
                    async for event in _events(response.content):
                        if event.retry_ms is not None:
                            retry_s = event.retry_ms / 1000
                        if event.id is not None:
                            position = self.last_event_id = event.id
                        if event.type == "ready":
                            connected, failures = True, 0
                        item = _item(event)
                        if item is not None:
                            yield item
                raise Unavailable(0, "stream_ended", "the gateway ended the update stream")
            except (aiohttp.ClientError, TimeoutError) as err:
                dropped: Unavailable | RateLimited = Unavailable(0, "unreachable", str(err) or type(err).__name__)
                dropped.__cause__ = err
            except (Unavailable, RateLimited) as err:
                dropped = err
            except ClientError as err:
                if not (connected and reconnect and err.code == "invalid_last_event_id"):
                    raise
                # The gateway no longer takes the position it gave (its key or the store changed): follow from now.
                log.warning("update stream position refused, following from now: %s", err.message)
                position = None
                yield Resync(Reason(err.code, err.message))
                continue
            if not (connected and reconnect):
                raise dropped
            wait = backoff(retry_s, failures, max_backoff_s)
            if isinstance(dropped, RateLimited):
                wait = max(wait, dropped.retry_after)
            failures += 1
            log.info("update stream dropped (%s); reconnecting in %.1f s", dropped, wait)
            await asyncio.sleep(wait)


@dataclass
class _Event:
    type: str
    id: str | None
    data: bytes
    retry_ms: int | None = None


def _item(event: _Event) -> Update | Resync | None:
    """What one event means to the caller; ``unauthorized`` and ``unavailable`` raise (the gateway ends the stream
    after them), ``ready`` and unknown events are nothing to yield."""
    if event.type == "unauthorized":  # the token was revoked or expired: the gateway ends the stream
        try:
            why = _unauthorized_data.decode(event.data).reason
        except (msgspec.DecodeError, msgspec.ValidationError):
            why = _Reason("unauthorized", "the token was revoked or expired")
        raise Unauthorized(401, why.code, why.message)
    if event.type == "unavailable":  # Redis did not answer the gateway: it ended the stream
        raise Unavailable(503, "redis_unavailable", "the gateway lost Redis")
    try:
        if event.type == "message":
            update = _update_data.decode(event.data)
            return Update(event.id or "", update.case_id, update.version, update.view)
        if event.type == "resync":
            resync = _resync_data.decode(event.data)
            return Resync(Reason(resync.reason.code, resync.reason.message), tuple(resync.partitions))
    except (msgspec.DecodeError, msgspec.ValidationError) as err:
        raise ClientError(200, "unreadable_event", f"the gateway sent a {event.type!r} event that cannot "
                          f"be read ({err}); the stream is past it") from None
    return None


async def _events(stream: aiohttp.StreamReader) -> AsyncIterator[_Event]:
    """Server-sent events from a response body, as the SSE standard reads them: ``id:`` is kept for the events
    after it until another comes; ``retry:`` (milliseconds) comes with the event it is in; a block without data
    (``retry:`` alone) is an event of no type; comments (keep-alives) are skipped."""
    event_id: str | None = None
    block: list[bytes] = []
    async for raw in stream:
        line = raw.rstrip(b"\r\n")
        if line:
            block.append(line)
            continue
        kind, data, retry_ms, fields = "message", b"", None, 0
        for field_line in block:
            name, _, value = field_line.partition(b":")
            value = value.removeprefix(b" ")
            fields += bool(name)
            if name == b"event":
                kind = value.decode("utf-8", "replace")
            elif name == b"id" and b"\0" not in value:
                event_id = value.decode("utf-8", "replace")
            elif name == b"data":
                data = data + b"\n" + value if data else value
            elif name == b"retry" and value.isdigit():
                retry_ms = int(value)
        block.clear()
        if fields:
            yield _Event(kind if data else "", event_id, data, retry_ms)

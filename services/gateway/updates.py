"""``GET /v1/updates``: case updates as server-sent events, live, for every case or one (``?case=ID``).

Each update event carries an ``id:`` that is the subscriber's position in *every* partition's
updates stream (see positions.py). A client that reconnects with that id as ``Last-Event-ID``
(``EventSource`` does so by itself) gets exactly the updates written after it: none missed,
none repeated. On connecting, an ``event: ready`` carries the starting position, so even a
client that drops before its first update resumes without a gap. When updates a client had not
read were trimmed from a stream (the projections cap each at about 10 000 entries), an
``event: resync`` says so: reload the views, then keep following.

Frames: ``id: <position>`` + ``data: {"case_id", "version", "partition", "position", "view"}``
(the default event type, ``message``); ``: keep-alive`` comments after ``keepalive_s`` of silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from aiohttp import web
from redis.exceptions import RedisError, ResponseError

from services.gateway import disclosures
from services.gateway import positions as pos
from services.gateway.access import PRESENTED, PRINCIPAL
from services.gateway.disclosures import Shown
from services.gateway.replies import gateway, reason
from services.gateway.resources import Gateway
from shared.access import tokens
from shared.access.visibility import parties_of
from shared.readmodel import updates
from shared.redis_client import text
from shared.store import EventStore

log = structlog.get_logger("gateway")

PARAMETERS = ("case", "last_event_id")
RETRY_MS = 1000
"""How soon a client's EventSource reconnects after the connection drops (the SSE ``retry:`` field)."""
READ_COUNT = 200
"""Updates read per partition per round trip."""
STREAMS_PER_TOKEN = 8
"""Update streams one token may hold open in one gateway process (a board, a few tabs, a tool): more are 429."""

_encode = msgspec.json.encode



def frame(data: bytes, *, event_id: str | None = None, event: str | None = None) -> bytes:
    """One server-sent event; a line break in the data becomes another ``data:`` line, as SSE requires."""
    out = b""
    if event_id is not None:
        out += b"id: " + event_id.encode() + b"\n"
    if event is not None:
        out += b"event: " + event.encode() + b"\n"
    for line in data.splitlines() or [b""]:
        out += b"data: " + line + b"\n"
    return out + b"\n"


def update_data(partition: int, position: str, fields: dict[bytes, bytes], clear: bool = True) -> bytes:
    """The data of one update event: the stream entry's case id and version, and its view as stored; ``clear``
    (an auditor): with the update's partition and entry id too, which for anyone else would count the updates
    of other cases written in the same millisecond (docs/security.md)."""
    version: Any = text(fields.get(b"version", b""))
    head: dict[str, Any] = {
        "case_id": text(fields.get(b"case_id", b"")),
        "version": int(version) if version.isdigit() else version,
    }
    if clear:
        head |= {"partition": partition, "position": position}
    return _encode(head)[:-1] + b',"view":' + fields.get(b"view", b"null") + b"}"


def position_problem(at: str, info: dict[str, Any]) -> dict[str, Any] | None:
    """What cannot be followed exactly from ``at`` in a stream described by XINFO STREAM, or None.

    Entries are removed by the projections' MAXLEN trim (oldest first) or by XDEL. After ``at``,
    something is gone when a deleted id is past it, or when entries were removed and ``at`` is
    older than the oldest entry kept (``at`` itself was trimmed; this also flags the harmless
    case where it was the very last entry trimmed: a needless reload, never a silent gap).
    """
    last = text(info["last-generated-id"])
    if pos.entry_key(at) > pos.entry_key(last):
        return {"problem": "ahead", "position": at, "newest": last}
    deleted = text(info.get("max-deleted-entry-id") or pos.START)
    removed = int(info.get("entries-added") or info["length"]) - int(info["length"])
    oldest = text(info["recorded-first-entry-id"]) if int(info["length"]) else None
    # With every entry removed, the newest one stands in for the oldest kept.
    boundary = oldest if oldest is not None else last
    trimmed = removed > 0 and pos.entry_key(at) < pos.entry_key(boundary)
    if trimmed or pos.entry_key(deleted) > pos.entry_key(at):
        return {"problem": "trimmed", "position": at, "oldest_kept": oldest}
    return None


async def lost_updates(gw: Gateway, store: EventStore, at: list[str], read: list[int]) -> list[dict[str, Any]]:
    """Partitions where a resumed position cannot be followed exactly; a position ahead is moved back to go on."""
    async with gw.redis.pipeline(transaction=False) as pipe:
        for p in read:
            pipe.xinfo_stream(store.keys(p).updates)
        replies = await pipe.execute(raise_on_error=False)
    problems = []
    for p, info in zip(read, replies, strict=True):
        if isinstance(info, ResponseError):
            # No stream yet: nothing was ever written or removed; a position past nothing is ahead.
            info = {"last-generated-id": pos.START, "length": 0, "entries-added": 0}
        elif isinstance(info, Exception):
            raise info
        problem = position_problem(at[p], info)
        if problem is None:
            continue
        problems.append({"partition": p, **problem})
        if problem["problem"] == "ahead":
            at[p] = problem["newest"]
    return problems


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def subscribe(request: web.Request) -> web.StreamResponse:
    """Follow case updates as server-sent events until the client goes or the server stops."""
    unknown = sorted(set(request.query) - set(PARAMETERS))
    if unknown:
        return reason(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_parameter",
                      f"unknown parameter {unknown[0]!r}; the parameters are: {', '.join(PARAMETERS)}")
    case_id = request.query.get("case")
    if case_id is not None and not 0 < len(case_id) <= 128:
        return reason(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_parameter", "case: 1 to 128 characters")
    gw = gateway(request)
    store = await gw.store()
    # Empty (or only spaces and tabs, HTTP's optional white space) is no position: follow from now.
    resume = (request.headers.get("Last-Event-ID") or request.query.get("last_event_id") or "").strip(pos.BLANK)
    if resume:
        try:
            at = _resumed(gw, request, resume, store.partitions)
        except pos.BadPosition as err:
            return reason(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_last_event_id", str(err))
    else:
        at = list((await updates.updates_now(gw.redis, store)).values())
    read = [store.partition_of(case_id)] if case_id is not None else list(range(store.partitions))
    problems = await lost_updates(gw, store, at, read) if resume else []
    # Checked and counted with no await in between, so concurrent requests cannot overshoot the cap.
    if gw.subscribers >= gw.config.max_subscribers:
        return reason(HTTPStatus.SERVICE_UNAVAILABLE, "too_many_subscribers",
                      f"{gw.config.max_subscribers} update streams are open; try again later")
    token_id = request[PRINCIPAL].token_id
    if gw.streams_of.get(token_id, 0) >= STREAMS_PER_TOKEN:  # one token cannot take every stream
        refused = reason(HTTPStatus.TOO_MANY_REQUESTS, "too_many_streams",
                         f"this token already follows {STREAMS_PER_TOKEN} update streams; close one first")
        refused.headers["Retry-After"] = str(RETRY_MS // 1000 or 1)
        return refused
    gw.streams_of[token_id] = gw.streams_of.get(token_id, 0) + 1
    gw.subscribers += 1
    gw.metrics.subscribers.inc()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    log.info("subscribed", case_id=case_id, resumed=bool(resume), lost=len(problems))
    try:
        await response.prepare(request)
        await response.write(f"retry: {RETRY_MS}\n\n".encode())
        clear = request[PRINCIPAL].sees_every_case
        starting = _position(gw, request, at)
        ready = {"positions": at} if clear else {"position": starting}
        await response.write(frame(_encode(ready), event_id=starting, event="ready"))
        if problems:
            message = "updates after this client's position were removed; reload the case views, then keep following"
            lost = problems if clear else [{"partition": q["partition"], "problem": q["problem"]} for q in problems]
            data = _encode({"reason": {"code": "updates_lost", "message": message}, "partitions": lost})
            await response.write(frame(data, event_id=_position(gw, request, at), event="resync"))
        await _follow(request, response, gw, store, at, read, case_id)
    except ConnectionResetError:
        pass  # the client went away: nothing to tell it
    finally:
        gw.subscribers -= 1
        gw.streams_of[token_id] -= 1
        if not gw.streams_of[token_id]:
            del gw.streams_of[token_id]
        gw.metrics.subscribers.dec()
    return response


def _position(gw: Gateway, request: web.Request, at: list[str]) -> str:
    """The ``id:`` of an event: the position as it is for an auditor (who sees every update anyway), sealed for
    any other reader, so it cannot count the updates of cases it may not see (docs/security.md)."""
    return pos.encode(at) if request[PRINCIPAL].sees_every_case else gw.sealer.seal(at)


def _resumed(gw: Gateway, request: web.Request, resume: str, partitions: int) -> list[str]:
    """The position a ``Last-Event-ID`` names: sealed (anyone), or in clear from an auditor only."""
    if resume.startswith(pos.SEALED):
        return gw.sealer.open(resume, partitions)
    if not request[PRINCIPAL].sees_every_case:
        raise pos.BadPosition("Last-Event-ID: send back the id this gateway sent (positions are sealed for this "
                              "token)")
    return pos.decode(resume, partitions)


async def _follow(
    request: web.Request,
    response: web.StreamResponse,
    gw: Gateway,
    store: EventStore,
    at: list[str],
    read: list[int],
    case_id: str | None,
) -> None:
    wanted = None if case_id is None else case_id.encode()
    keepalive_s = gw.config.keepalive_s
    last_write = time.monotonic()
    while not gw.stopping.is_set() and not _gone(request):
        # The token is checked again before every read (at most read_block_ms apart): a revoked or expired
        # token's stream ends within a second, as its other requests are refused at once.
        try:
            checked = await tokens.authenticate(gw.redis, request[PRESENTED])
        except (RedisError, OSError) as err:  # Redis is away: nothing can be read either; check again next turn
            log.warning("token_check_failed", error=str(err))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gw.stopping.wait(), gw.config.read_block_ms / 1000)
            continue
        if isinstance(checked, str):
            await response.write(frame(_encode({"reason": {"code": "unauthorized", "message":
                                                "the token was revoked or expired"}}), event="unauthorized"))
            return
        quiet_ms = int((keepalive_s - (time.monotonic() - last_write)) * 1000)
        block_ms = max(1, min(gw.config.read_block_ms, quiet_ms))
        positions = {p: at[p] for p in read}
        try:
            found = await updates.read_raw(gw.stream_redis, store, positions, READ_COUNT, block_ms,
                                           viewer=request[PRINCIPAL])
        except (RedisError, OSError) as err:
            log.warning("updates_read_failed", error=str(err))
            found = []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gw.stopping.wait(), gw.config.read_block_ms / 1000)
        for p, position in positions.items():  # past every update read, shown or not
            at[p] = position
        for p, position, fields in found:
            if wanted is not None and fields.get(b"case_id") != wanted:
                continue
            view = fields.get(b"view", b"")
            shown = Shown(text(fields.get(b"case_id", b"")), "update", view, parties_of(view))
            try:
                await disclosures.record(gw, store, request[PRINCIPAL], [shown])
            except (RedisError, OSError) as err:  # nothing is shown unrecorded: end the stream, the client resumes
                log.warning("disclosure_not_recorded", error=str(err))
                unavailable = {"reason": {"code": "redis_unavailable", "message": "Redis did not answer; reconnect"}}
                await response.write(frame(_encode(unavailable), event="unavailable"))
                return
            data = update_data(p, position, fields, clear=request[PRINCIPAL].sees_every_case)
            await response.write(frame(data, event_id=_position(gw, request, at)))
            last_write = time.monotonic()
        if time.monotonic() - last_write >= keepalive_s:
            await response.write(b": keep-alive\n\n")
            last_write = time.monotonic()

"""Bearer tokens: issued once to a unit and role, kept only as a hash, revoked or expired within a second.

A token reads ``lsn_<id>_<secret>``. Redis keeps, per id, the unit, the role, when it was issued,
when it expires, when it was revoked, and the SHA-256 of the whole token — never the token, which
is printed once by ``liaison token issue``. Every request looks its token up (one HGET), so a
revocation or an expiry takes effect at the next request in every gateway process.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from redis.asyncio import Redis

from shared import units
from shared.access.principals import ROLES, Principal, Role
from shared.store import keys

_TOKEN = re.compile(r"^lsn_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_DURATION = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


class TokenError(ValueError):
    """A token that cannot be issued or revoked as asked (the message names the field and the problem)."""


class Record(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What Redis keeps of a token (``liaison:tokens``, field = its id)."""

    unit: str
    role: Role
    issued: datetime
    sha256: str
    expires: datetime | None = None
    revoked: datetime | None = None


class Issued(msgspec.Struct, frozen=True, kw_only=True):
    """A token as issued: shown once."""

    id: str
    token: str
    unit: str
    role: Role
    expires: datetime | None


class Listed(msgspec.Struct, frozen=True, kw_only=True):
    """A token as listed: everything but the secret and its hash."""

    id: str
    unit: str
    role: Role
    issued: datetime
    expires: datetime | None
    revoked: datetime | None
    state: str
    """``active``, ``expired`` or ``revoked``."""


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Record).decode


def duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m`` as a timedelta; TokenError naming ``--expires`` otherwise."""
    found = _DURATION.match(text)
    if found is None:
        raise TokenError(f"--expires: a whole number of minutes, hours or days such as 90m, 12h or 30d, got {text!r}")
    return int(found.group(1)) * _UNITS[found.group(2)]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _state(record: Record, now: datetime) -> str:
    if record.revoked is not None:
        return "revoked"
    if record.expires is not None and record.expires <= now:
        return "expired"
    return "active"


async def issue(redis: Redis, unit: str, role: str, expires_in: timedelta | None = None) -> Issued:
    """Create a token for ``unit`` and ``role``; only its hash is stored."""
    if units.get(unit) is None:
        raise TokenError(f"--unit: {unit!r} is not a unit of the registry (shared/units.json)")
    if role not in ROLES:
        raise TokenError(f"--role: {role!r} is not a role; the roles are {', '.join(ROLES)}")
    token_id = secrets.token_hex(6)
    token = f"lsn_{token_id}_{secrets.token_urlsafe(32)}"
    now = datetime.now(UTC).replace(microsecond=0)
    expires = None if expires_in is None else now + expires_in
    record = Record(unit=unit, role=role, issued=now, sha256=_digest(token), expires=expires)
    await redis.hset(keys.TOKENS, token_id, _encode(record))
    return Issued(id=token_id, token=token, unit=unit, role=record.role, expires=expires)


async def listed(redis: Redis) -> list[Listed]:
    """Every token ever issued, oldest first, with its state now."""
    now = datetime.now(UTC)
    raw: dict[Any, Any] = await redis.hgetall(keys.TOKENS)
    found = []
    for token_id, value in raw.items():
        r = _decode(value)
        found.append(Listed(id=token_id.decode(), unit=r.unit, role=r.role, issued=r.issued, expires=r.expires,
                            revoked=r.revoked, state=_state(r, now)))
    return sorted(found, key=lambda t: (t.issued, t.id))


async def revoke(redis: Redis, token_id: str) -> Listed:
    """Revoke a token by id (revoking twice keeps the first time); TokenError if there is no such token."""
    raw = await redis.hget(keys.TOKENS, token_id)
    if raw is None:
        raise TokenError(f"ID: no token {token_id!r} (liaison token list shows them)")
    record = _decode(raw)
    if record.revoked is None:
        record = msgspec.structs.replace(record, revoked=datetime.now(UTC).replace(microsecond=0))
        await redis.hset(keys.TOKENS, token_id, _encode(record))
    return Listed(id=token_id, unit=record.unit, role=record.role, issued=record.issued, expires=record.expires,
                  revoked=record.revoked, state="revoked")


async def authenticate(redis: Redis, token: str) -> Principal | str:
    """The principal a presented token stands for, or why it does not stand for one (a sentence, no secret)."""
    found = _TOKEN.match(token)
    if found is None:
        return "the token is not a Liaison token (lsn_<id>_<secret>)"
    token_id = found.group(1)
    raw = await redis.hget(keys.TOKENS, token_id)
    if raw is None:
        return "unknown token"
    record = _decode(raw)
    # Compared in constant time: the hash is not secret, but nothing should be learnt from timing.
    if not hmac.compare_digest(record.sha256, _digest(token)):
        return "unknown token"
    state = _state(record, datetime.now(UTC))
    if state != "active":
        return f"the token was {state}"
    return Principal(token_id=token_id, unit=record.unit, role=record.role)

"""Least-privilege Redis: one ACL user per service and role, each limited to its keys and commands (docs/security.md).

``liaison up`` applies these users to the embedded Redis, writes each password to a file of its own
under ``LIAISON_VAR/credentials`` (mode 0600), and turns the default user off; each process then
connects as its own user (``shared/settings.py``). Rules use Redis 7.0 selectors, ``(~keys +commands)``,
so a command is allowed on some keys only: the intake services may XADD to the partition logs (their
append script does), the projections may only read them and move their own consumer group, the
gateway may XADD to the intakes but not to a log, the auditor writes nothing, and only the users
that check names or register persons touch the vault. Redis checks every command a script runs
against the same rules. The operator can do everything (and docs/security.md says what that means).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from redis.exceptions import NoPermissionError, ResponseError

CONNECTION = ("+ping +hello +auth +client|setname +client|getname +select +info +echo +cluster|slots +cluster|shards "
              "+cluster|nodes +cluster|info +command")
"""What any client does on connecting (redis-py also sends CLIENT SETINFO, 7.2+ only: refused here, and ignored);
a cluster client also reads the cluster's map and the commands' key positions (COMMAND)."""

SCRIPTS = "+evalsha +eval +script|load +script|exists"
GROUP_READER = ("+type +xreadgroup +xack +xautoclaim +xclaim +xpending +xgroup|create +xgroup|delconsumer "
                "+xinfo|consumers +xinfo|groups +xinfo|stream +xrange +xrevrange +xlen")
"""What a consumer group's member does on a stream it reads (acks and claims are writes to the group, not the log)."""

P = "liaison:{p*}"
"""Every partition's keys (the hash tag is part of the name; ``{`` is not special in ACL patterns)."""


def _intake_service(name: str) -> list[str]:
    return [
        CONNECTION,
        f"(~liaison:meta +hget +hsetnx +hgetall {SCRIPTS})",
        f"(~liaison:intake:{name} {GROUP_READER} +xtrim +xdel +type {SCRIPTS})",
        "(~liaison:intake:incidents +xadd)",  # the incidents service submits follow-ups to itself
        "(~liaison:outcomes +xadd)",
        f"(~liaison:dead:{name} +xadd)",
        "(~liaison:rejected:* +get +set)",
        # The names check: the keyed-hash index and its key only (never a person's key or data). Scripts need
        # the keys writable (EVALSHA), but each command a script runs is checked too: only reads are granted.
        f"(~liaison:vault:name-index ~liaison:vault:index-key +get +hget +hmget +type {SCRIPTS})",
        "(~liaison:vault:index-key +set)",  # made on first use
        # The log and what the append script writes with it (never the views): the only users that may XADD a log.
        f"(~{P}:log ~{P}:n ~{P}:heads ~{P}:eids ~{P}:cmds ~{P}:case:* ~{P}:claims +hget +hmget +hset +hsetnx "
        f"+hscan +get +incrby +lrange +rpush +xadd {GROUP_READER} {SCRIPTS})",
        # The deadline schedule, changed by a script that checks the case head (services/incidents/schedule.py).
        f"(~{P}:deadlines ~{P}:heads +zadd +zrem +zscore +zrangebyscore +hget {SCRIPTS})",
        f"(~{P}:parked:{name} ~{P}:metrics:parked +hset +hexists +hgetall +hincrby +multi +exec)",
        "(~liaison:metrics:* +hincrby +hincrbyfloat)",
        "+wait",  # LIAISON_DURABILITY=replica: an append batch ends with WAIT (ADR 0024)
    ]


USERS: dict[str, list[str]] = {
    "hotline": _intake_service("hotline"),
    "incidents": _intake_service("incidents"),
    "projections": [
        CONNECTION,
        f"(~liaison:meta +hget +hsetnx +hgetall {SCRIPTS})",
        # Its views and its group's position on the log; no selector grants XADD on a log, nor any write to the
        # heads, the numbering or the id indexes (the view script's keys: views, view versions, updates, log).
        f"(~{P}:views ~{P}:viewv ~{P}:updates ~{P}:log ~{P}:parked ~{P}:metrics:parked ~{P}:lease:projections +hget "
        f"+hmget +hset +hexists +hgetall +hscan +hincrby +multi +exec +get {GROUP_READER} {SCRIPTS})",
        # Its partition leases (ADR 0022): taken, renewed and released by scripts; TIME is Redis's clock.
        f"(~{P}:lease:projections ~{P}:lease-epochs:projections +get +set +incr +pexpire +del {SCRIPTS})",
        f"(~liaison:members:projections +zadd +zrem +zremrangebyscore +zrange {SCRIPTS})",
        "+time",
        f"(~{P}:log ~{P}:case:* +lrange +xrange {SCRIPTS})",  # a case read whole to fill a gap (read_case.lua)
        f"(%R~{P}:n %R~{P}:heads +get +hget +hscan)",
        f"(~{P}:updates +xadd)",  # the view script writes each case update with its view
        "(~liaison:metrics:* +hincrby +hincrbyfloat)",
    ],
    "gateway": [
        CONNECTION,
        "(%R~liaison:meta +hget +hgetall)",
        "(~liaison:intake:* +xadd +xinfo|groups +xinfo|stream +xlen)",
        "(%R~liaison:outcomes +xread +xrevrange +xrange +xinfo|stream)",
        # Keys writable for EVALSHA's sake (read_case.lua), but only reads are granted, in or out of a script.
        f"(~{P}:* +type +hget +hmget +hscan +hgetall +hexists +lrange +xrange +xrevrange +xread +xinfo|stream "
        f"+xinfo|groups +get {SCRIPTS})",
        "(%R~liaison:tokens +hget)",
        f"(~{P}:disclosures +xadd)",  # every cross-border read it serves (ADR 0019)
        "(%R~liaison:metrics:* +hgetall +scan)",
        f"(~liaison:vault:* +get +set +setnx +hget +hmget +hset +hsetnx +hdel +hlen +sismember +sadd +exists +type "
        f"{SCRIPTS})",
        "+scan",
    ],
    "auditor": [
        CONNECTION,
        "(%R~liaison:meta +hget +hgetall)",
        f"(~{P}:* +type +exists +hget +hmget +hscan +hgetall +lrange +llen +xrange +xrevrange +xlen +xinfo|stream "
        "+xinfo|groups +get +evalsha +eval +script|load)",  # writable keys for EVALSHA's sake; only reads granted
        # Following the case updates (an auditor's FastStream subscriber, docs/clients.md): XREAD reads and writes
        # nothing, unlike XREADGROUP, which moves a group's position.
        f"(%R~{P}:updates +xread)",
    ],
    "operator": [CONNECTION, "~* &* +@all"],
}
"""User -> its ACL rules (after ``reset on >password``)."""


def credentials_dir(var_dir: Path) -> Path:
    """Where each user's password is kept, one file per user (mode 0600)."""
    return var_dir / "credentials"


def password_of(var_dir: Path, user: str) -> str | None:
    """A user's password, if ``liaison up`` wrote one here."""
    try:
        return (credentials_dir(var_dir) / user).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def _password(var_dir: Path, user: str) -> str:
    """The user's password, kept from an earlier start (tools may hold it) or made and written now (0600)."""
    found = password_of(var_dir, user)
    if found:
        return found
    folder = credentials_dir(var_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    password = secrets.token_urlsafe(32)
    path = folder / user
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(password + "\n")
    return password


async def apply(redis: Any, var_dir: Path, *, lock_default: bool = True) -> list[str]:
    """Create (or reset) every user with its rules and password, then turn the default user off; their names."""
    for user, rules in USERS.items():
        password = _password(var_dir, user)
        await redis.execute_command("ACL", "SETUSER", user, "reset", "on", f">{password}", *_words(rules))
    if lock_default:
        await turn_default_off(redis)
    return list(USERS)


REPLICATION = ("replication", "+auth +hello +ping +psync +replconf")
"""A replica's login to its master on a cluster (``replicate_as``): with the default user off, a replica must
authenticate. It can read the whole dataset (PSYNC), so it exists only where there are replicas."""


async def replicate_as(redis: Any, var_dir: Path) -> None:
    """Give this node the ``replication`` user and make its replica link (now, or after a failover makes it a
    replica) log in as it."""
    user, rules = REPLICATION
    password = _password(var_dir, user)
    await redis.execute_command("ACL", "SETUSER", user, "reset", "on", f">{password}", *rules.split())
    await redis.execute_command("CONFIG", "SET", "masteruser", user)
    await redis.execute_command("CONFIG", "SET", "masterauth", password)


async def persist(redis: Any, *, settings: bool) -> list[str]:
    """Write this node's users (``ACL SAVE``) and, with ``settings`` (a cluster node's replica login), its settings
    (``CONFIG REWRITE``) to its files, so a restart keeps them; what could not be kept, and why, named."""
    missed = []
    steps = [(("ACL", "SAVE"), "users")] + ([(("CONFIG", "REWRITE"), "settings")] if settings else [])
    for command, what in steps:
        try:
            await redis.execute_command(*command)
        except NoPermissionError:
            missed.append(f"{what} (this login may not {' '.join(command)})")
        except ResponseError as exc:  # no aclfile / no config file to write to
            missed.append(f"{what} ({str(exc).splitlines()[0] if str(exc) else 'refused'})")
    return missed


async def turn_default_off(redis: Any) -> None:
    """Turn the default (passwordless, all-powerful) user off."""
    await redis.execute_command("ACL", "SETUSER", "default", "off", "resetpass", "-@all")


def _words(rules: list[str]) -> list[str]:
    """ACL SETUSER arguments: a selector ``( … )`` is one argument, other rules split on spaces."""
    words: list[str] = []
    for rule in rules:
        if rule.startswith("("):
            words.append(rule)
        else:
            words += rule.split()
    return words

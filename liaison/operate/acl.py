"""``liaison acl apply``: the same least-privilege users ``liaison up`` gives its embedded Redis, on an external one.

For a Redis given by LIAISON_REDIS_URL (whose user must be allowed ``ACL SETUSER``): one user per
service and role (shared/access/acl.py), each password written to ``LIAISON_VAR/credentials/<user>``
(mode 0600, kept if already there) and never printed; then the default user is turned off unless
``--keep-default``. Each service is then started with a URL naming its own user and password.

On a Redis Cluster (``redis+cluster://``) ACLs are per node and not replicated: the users go to every
node, masters and replicas, and every node's replica link is made to log in as the ``replication``
user before any node's default user is turned off (else the replicas would lose their masters).
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from liaison import exits
from liaison.connect import redis_url
from shared import settings as settings_module
from shared.access import acl
from shared.redis_client import node_url, redacted, text


async def _nodes(url: str) -> tuple[list[str], list[str]]:
    """The plain URL of every node to apply the users to (the one Redis, or every node of the cluster, with the
    URL's user and password, so a re-apply by the operator reaches them all), and the addresses of the cluster's
    nodes left out (failed, suspected, joining, without an address)."""
    plain = node_url(url)
    if plain is None:
        return [url], []
    # CLUSTER NODES, not the cluster client's node list: the client knows the masters only.
    client: Any = Redis.from_url(plain)
    try:
        listed: Any = await client.execute_command("CLUSTER NODES")
    finally:
        await client.aclose()
    if isinstance(listed, dict):  # redis-py's parsed reply: address -> fields
        nodes = [(text(address), str(fields.get("flags", ""))) for address, fields in listed.items()]
    else:
        nodes = [(line.split()[1].partition("@")[0], line.split()[2]) for line in text(listed).splitlines() if line]
    # A node the cluster marks failed, still joining or without an address is not one to lock down now (its users
    # are given when `acl apply` runs again once it serves); trying would abort the whole apply.
    unfit = {"fail", "fail?", "handshake", "noaddr"}
    hosts = [(host, int(port)) for (host, _, port), flags in ((a.rpartition(":"), f) for a, f in nodes)
             if not unfit & set(flags.replace(",", " ").split())]
    left_out = sorted(a for a, flags in nodes if unfit & set(flags.replace(",", " ").split()))
    return [_at(plain, host, port) for host, port in sorted(hosts)], left_out


def _at(url: str, host: str, port: int) -> str:
    """``url`` pointed at ``host:port``, with the URL's own login."""
    parts = urlsplit(url)
    login = parts.netloc.rpartition("@")[0]
    return urlunsplit((parts.scheme, f"{login}@{host}:{port}" if login else f"{host}:{port}", parts.path,
                       parts.query, ""))


async def apply(keep_default: bool, as_json: bool) -> int:
    """Create or reset every user on the Redis at LIAISON_REDIS_URL; say where each password is."""
    settings = settings_module.load()
    if not settings.redis_url:
        raise exits.CliError("liaison acl apply is for an external Redis: set LIAISON_REDIS_URL (liaison up applies "
                             "the same users to its embedded Redis by itself)")
    nodes, left_out = await _nodes(redis_url())
    cluster = node_url(redis_url()) is not None
    users: list[str] = []
    for node in nodes:  # every node has its users and its replica login before any loses its default user
        client = Redis.from_url(node)
        try:
            users = await acl.apply(client, settings.var_dir, lock_default=False)
            if cluster:
                await acl.replicate_as(client, settings.var_dir)
        finally:
            await client.aclose()
    unkept: dict[str, list[str]] = {}
    still_open: list[str] = []
    operator = acl.password_of(settings.var_dir, "operator")
    for node in nodes:  # one node failing here must not leave the others' default user on: each goes on alone
        client = Redis.from_url(node)
        try:
            if not keep_default:
                await acl.turn_default_off(client)
        except RedisError as exc:
            still_open.append(redacted(node))
            print(f"warning: {redacted(node)} keeps its default user on: {exc}", file=sys.stderr)
            continue
        finally:
            await client.aclose()
        # Written as the operator (unless the URL names its own login): the default user may do nothing more now.
        persisting = Redis.from_url(node, username="operator", password=operator)
        try:
            if missed := await acl.persist(persisting, settings=cluster):
                unkept[redacted(node)] = missed
        finally:
            await persisting.aclose()
    for node, missed in unkept.items():  # on stderr: a restart of that node would open it again
        print(f"warning: {node} could not write its {' and '.join(missed)}: after a restart it is open again"
              + (" (and its replica link fails)" if cluster else "") + "; run `liaison acl apply` again then",
              file=sys.stderr)
    for address in left_out:
        print(f"warning: {address} was left out (the cluster marks it failed, suspected or joining): it keeps its "
              "default user; run `liaison acl apply` again once it serves", file=sys.stderr)
    folder = acl.credentials_dir(settings.var_dir)
    if as_json:
        result = {"redis": redacted(settings.redis_url), "nodes": len(nodes), "users": users,
                  "credentials": str(folder), "default_user": "on" if keep_default else "off", "not_kept": unkept,
                  "left_out": left_out, "still_open": still_open}
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
        return exits.REJECTED if left_out or still_open else exits.OK
    where = f"{len(nodes)} nodes of the cluster at " if len(nodes) > 1 else ""
    print(f"applied {len(users)} users to {where}{redacted(settings.redis_url)}: {', '.join(users)}")
    print(f"passwords: {folder}/<user> (mode 0600); start each service with its own user, e.g.")
    print("  LIAISON_REDIS_URL=redis://hotline:<password from credentials/hotline>@host:port/0 liaison run hotline")
    print("the default user is " + ("kept on (--keep-default)" if keep_default else "off from now on: "
                                   "connect as operator for the liaison command"))
    return exits.REJECTED if left_out or still_open else exits.OK

"""``liaison acl apply``: the same least-privilege users ``liaison up`` gives its embedded Redis, on an external one.

For a Redis given by LIAISON_REDIS_URL (whose user must be allowed ``ACL SETUSER``): one user per
service and role (shared/access/acl.py), each password written to ``LIAISON_VAR/credentials/<user>``
(mode 0600, kept if already there) and never printed; then the default user is turned off unless
``--keep-default``. Each service is then started with a URL naming its own user and password.
"""

from __future__ import annotations

import sys

import msgspec
from redis.asyncio import Redis

from liaison import exits
from liaison.connect import redis_url
from shared import settings as settings_module
from shared.access import acl
from shared.redis_client import redacted


async def apply(keep_default: bool, as_json: bool) -> int:
    """Create or reset every user on the Redis at LIAISON_REDIS_URL; say where each password is."""
    settings = settings_module.load()
    if not settings.redis_url:
        raise exits.CliError("liaison acl apply is for an external Redis: set LIAISON_REDIS_URL (liaison up applies "
                             "the same users to its embedded Redis by itself)")
    client = Redis.from_url(redis_url())
    try:
        users = await acl.apply(client, settings.var_dir, lock_default=not keep_default)
    finally:
        await client.aclose()
    folder = acl.credentials_dir(settings.var_dir)
    if as_json:
        result = {"redis": redacted(settings.redis_url), "users": users, "credentials": str(folder),
                  "default_user": "on" if keep_default else "off"}
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
        return exits.OK
    print(f"applied {len(users)} users to {redacted(settings.redis_url)}: {', '.join(users)}")
    print(f"passwords: {folder}/<user> (mode 0600); start each service with its own user, e.g.")
    print("  LIAISON_REDIS_URL=redis://hotline:<password from credentials/hotline>@host:port/0 liaison run hotline")
    print("the default user is " + ("kept on (--keep-default)" if keep_default else "off from now on: "
                                   "connect as operator for the liaison command"))
    return exits.OK

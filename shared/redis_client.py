"""How every Liaison process talks to Redis: a client that rides out a restart, and reply decoding."""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

RETRYABLE = (RedisConnectionError, RedisTimeoutError)
"""Errors after which a command is sent again on a fresh connection (see ``connect``)."""


CLUSTER_SCHEMES = {"redis+cluster://": "redis://", "rediss+cluster://": "rediss://"}
"""A URL naming a Redis Cluster (any one node; the client finds the others): ``redis+cluster://host:port``."""


def node_url(url: str) -> str | None:
    """The plain ``redis://`` (or ``rediss://``) URL of a cluster URL's node; None for a URL naming one Redis."""
    for cluster, plain in CLUSTER_SCHEMES.items():
        if url.startswith(cluster):
            return plain + url[len(cluster):]
    return None


def client_of(url: str, **options: Any) -> Redis:
    """A client of ``url`` with ``options``: one Redis, or a Redis Cluster (typed as ``Redis``: every Liaison
    key of one script or one multi-key command shares a hash tag, ADR 0001, so the same calls serve both)."""
    node = node_url(url)
    if node is None:
        return Redis.from_url(url, **options)
    return cast(Redis, RedisCluster.from_url(node, **options))


def connect(url: str) -> Redis:
    """A client that reconnects and retries a command when its connection fails.

    ``Redis.from_url`` gives a pool with no retry at all (redis-py 8.1): after Redis restarts, the
    first command on every pooled connection fails with "Connection closed by server". Retrying is
    safe for every Liaison writer: the append script drops an append (and a command) it already
    recorded, the view script refuses a write whose base version moved, and outcomes and acks
    repeat identically. Up to ~5 s of retries rides out a Redis restart.
    """
    retry = Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=8)
    return client_of(url, retry=retry, retry_on_error=list(RETRYABLE))


def redacted(url: str) -> str:
    """The URL with its password masked, for anything a person or a log may see (``user:***@``, ``password=***``)."""
    password = urlsplit(url).password
    if password is not None:
        url = url.replace(f":{password}@", ":***@", 1)
    # redis-py also takes the password as a query parameter (documented for unix://): mask it there too.
    return _QUERY_PASSWORD.sub(r"\1***", url)


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*")


def text(value: bytes | str) -> str:
    """A reply value as text (clients return bytes; a decoding client returns str)."""
    return value.decode() if isinstance(value, bytes) else value

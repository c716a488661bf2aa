"""Start and stop a private Redis Cluster on loopback: cluster-enabled redis-servers joined by redis-cli.

For ``liaison bench --cluster`` and the tests. Each node is a ``RedisServer`` (so durable as ADR 0017 says:
AOF, ``appendfsync always``, no eviction) with its own data directory under ``base`` and free ports for
its clients and its cluster bus. ``redis-cli --cluster create`` assigns the slots of 3 masters or more
(it refuses fewer); fewer masters, without replicas, are given their slots here, in even ranges.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from shared.redis_server import AddressTakenError, RedisServer, RedisServerError, free_port

NODE_TIMEOUT_MS = 2000
"""``cluster-node-timeout``: a master unreachable this long is failed over (Redis's default is 15 s)."""

SLOTS = 16384
"""Hash slots of every Redis Cluster."""


def stop_all(servers: list[RedisServer]) -> None:
    """Stop servers (stop also releases their pipes)."""
    for server in servers:
        server.stop()


def _redis_cli() -> str:
    binary = shutil.which("redis-cli")
    if binary is None:
        raise RedisServerError("redis-cli not found on PATH (it joins the nodes into a cluster; make run installs it)")
    return binary


def _ask(port: int, *command: str) -> str:
    done = subprocess.run([_redis_cli(), "-p", str(port), *command], capture_output=True, text=True, timeout=5,
                          check=False)
    return done.stdout


def _replicas_in_sync(servers: list[RedisServer]) -> int:
    """How many servers are replicas whose link to their master is up."""
    count = 0
    for server in servers:
        info = _ask(server.port, "info", "replication")
        count += "role:slave" in info and "master_link_status:up" in info
    return count


def serving(node: RedisServer) -> bool:
    """True when the cluster, as this node sees it, serves every slot (``cluster_state:ok``)."""
    return "cluster_state:ok" in _ask(node.port, "cluster", "info")


def start_cluster(base: Path, masters: int = 3, replicas: int = 0, timeout: float = 30.0) -> list[RedisServer]:
    """``_start_cluster``, again (in a fresh directory) if a port it chose was taken meanwhile: ports come from the
    ephemeral range, where an outgoing connection may take one between its choice and the node's bind."""
    if masters < 1 or (masters < 3 and replicas > 0):
        raise ValueError(f"{masters} master(s) with {replicas} replica(s) each: replicas need 3 masters or more")
    for attempt in range(3):
        try:
            return _start_cluster(base / f"try-{attempt}", masters, replicas, timeout)
        except AddressTakenError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_cluster(base: Path, masters: int, replicas: int, timeout: float) -> list[RedisServer]:
    """Start ``masters * (1 + replicas)`` cluster-enabled redis-servers and join them into one cluster (the first
    ``masters`` servers are the masters, as redis-cli assigns them), every node seeing ``cluster_state:ok``."""
    servers: list[RedisServer] = []
    buses: list[int] = []
    chosen: set[int] = set()

    def fresh() -> int:
        """A free port not already given to another node of this cluster (the OS may offer the same one twice)."""
        while (port := free_port()) in chosen:
            pass
        chosen.add(port)
        return port

    try:
        for _ in range(masters * (1 + replicas)):
            port, bus = fresh(), fresh()  # the bus port is chosen too: port + 10000 may not exist
            data = base / f"node-{port}"
            extra = [
                "--cluster-enabled", "yes",
                "--cluster-port", str(bus),
                "--cluster-config-file", str(data / f"nodes-{port}.conf"),
                "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            ]
            servers.append(RedisServer(data, port=port, extra=extra).start())
            buses.append(bus)
        if masters < 3:
            _join_few(servers, buses)
        else:
            create = subprocess.run(
                [_redis_cli(), "--cluster", "create", *(f"127.0.0.1:{s.port}" for s in servers),
                 "--cluster-replicas", str(replicas), "--cluster-yes"],
                capture_output=True, text=True, timeout=timeout, check=False,
            )
            if create.returncode != 0:
                raise RedisServerError(f"redis-cli --cluster create failed: {create.stdout}{create.stderr}")
        deadline = time.monotonic() + timeout
        while not all(serving(s) for s in servers):
            if time.monotonic() > deadline:
                raise RedisServerError(f"the cluster did not reach cluster_state:ok within {timeout} s")
            time.sleep(0.05)
        # A replica still joining, or still syncing, cannot take its master's place: wait until every one
        # is attached and in sync, so a master killed (by a test) is failed over.
        while _replicas_in_sync(servers) < masters * replicas:
            if time.monotonic() > deadline:
                raise RedisServerError(f"the replicas were not in sync within {timeout} s")
            time.sleep(0.05)
        return servers
    except BaseException:
        stop_all(servers)
        raise


def _join_few(servers: list[RedisServer], buses: list[int]) -> None:
    """Give each master an even range of the slots and introduce it to the first (what ``redis-cli --cluster
    create`` does, which it refuses for fewer than 3 masters); ``buses``: each server's cluster bus port."""
    for i, server in enumerate(servers):
        first, last = SLOTS * i // len(servers), SLOTS * (i + 1) // len(servers) - 1
        said = _ask(server.port, "cluster", "addslotsrange", str(first), str(last))
        if "OK" not in said:
            raise RedisServerError(f"CLUSTER ADDSLOTSRANGE {first} {last} on port {server.port}: {said.strip()}")
        if i:
            # CLUSTER MEET names the bus port too: it is not the client port + 10000 here.
            said = _ask(server.port, "cluster", "meet", "127.0.0.1", str(servers[0].port), str(buses[0]))
            if "OK" not in said:
                raise RedisServerError(f"CLUSTER MEET from port {server.port}: {said.strip()}")


def url_of(servers: list[RedisServer]) -> str:
    """The one setting that points Liaison at this cluster: ``redis+cluster://`` and any node (ADR 0021)."""
    return f"redis+cluster://127.0.0.1:{servers[0].port}"

"""A local Redis Cluster on loopback for tests: cluster-enabled redis-servers (AOF on), joined by redis-cli."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from shared.redis_server import AddressTakenError, RedisServer, free_port


def stop_all(servers: list[RedisServer]) -> None:
    """Stop servers (stop also releases their pipes)."""
    for server in servers:
        server.stop()


def _cluster_info(port: int) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True, text=True, timeout=5, check=False
    )
    return done.stdout


def _replicas_in_sync(servers: list[RedisServer]) -> int:
    """How many servers are replicas whose link to their master is up."""
    count = 0
    for server in servers:
        info = subprocess.run(["redis-cli", "-p", str(server.port), "info", "replication"],
                              capture_output=True, text=True, timeout=5, check=False).stdout
        count += "role:slave" in info and "master_link_status:up" in info
    return count


def serving(node: RedisServer) -> bool:
    """True when the cluster, as this node sees it, serves every slot (``cluster_state:ok``)."""
    return "cluster_state:ok" in _cluster_info(node.port)


def start_cluster(base: Path, masters: int = 3, replicas: int = 0, timeout: float = 30.0) -> list[RedisServer]:
    """``_start_cluster``, again (in a fresh directory) if a port it chose was taken meanwhile: ports come from the
    ephemeral range, where an outgoing connection may take one between its choice and the node's bind."""
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
                "--cluster-node-timeout", "2000",
            ]
            servers.append(RedisServer(data, port=port, extra=extra).start())
        create = subprocess.run(
            ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{s.port}" for s in servers),
             "--cluster-replicas", str(replicas), "--cluster-yes"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        if create.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {create.stdout}{create.stderr}")
        deadline = time.monotonic() + timeout
        while not all("cluster_state:ok" in _cluster_info(s.port) for s in servers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach cluster_state:ok within {timeout} s")
            time.sleep(0.05)
        # A replica still joining, or still syncing, cannot take its master's place: wait until every one
        # is attached and in sync, so a test that kills a master sees a failover.
        while _replicas_in_sync(servers) < masters * replicas:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replicas were not in sync within {timeout} s")
            time.sleep(0.05)
        return servers
    except BaseException:
        stop_all(servers)
        raise


def url_of(servers: list[RedisServer]) -> str:
    """The one setting that points Liaison at this cluster: ``redis+cluster://`` and any node."""
    return f"redis+cluster://127.0.0.1:{servers[0].port}"

"""Every service and the CLI on a Redis Cluster (3 masters, 1 replica each, on loopback), set by one variable:
``LIAISON_REDIS_URL=redis+cluster://host:port``. The session's cluster, emptied per test (the failover test starts its
own, as it kills a master).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import MovedError, RedisError
from redis.retry import Retry

from shared.access import acl
from shared.access.signatures import REGISTRY_CASE
from shared.redis_client import client_of, node_url
from shared.redis_server import RedisServer, free_port
from shared.store import EventStore, keys
from shared.store.chain import GENESIS
from shared.store.durability import Durability
from shared.store.event_store import AppendRequest
from tests.cluster import serving, start_cluster, stop_all, url_of
from tests.contract.factory import calls
from tests.e2e.conftest import ROOT, Deployment, liaison_up, wait_until
from tests.signing import register_test_keys_at, write_box_keys

SERVICES = ("hotline", "incidents", "projections")
READS = {"hotline": ("liaison:intake:hotline", "hotline"), "incidents": ("liaison:intake:incidents", "incidents"),
         "projections": ("liaison:{p0}:log", "projections")}


class ClusterDeployment(Deployment):
    """The e2e deployment, pointed at the cluster: the services and the CLI get only the cluster URL."""

    cluster: list[RedisServer]

    def client(self) -> Any:
        """A client of the cluster, as the deployment's CLI connects (with its user, once ACLs are applied)."""
        node = node_url(self.env["LIAISON_REDIS_URL"])
        assert node is not None
        return RedisCluster.from_url(node)


@pytest.fixture
def cluster(redis_cluster: list[RedisServer]) -> list[RedisServer]:
    """The session's cluster: 3 masters with 1 replica each (tests/conftest.py)."""
    return redis_cluster


@pytest.fixture
def on_cluster(cluster: list[RedisServer], tmp_path: Path) -> Iterator[ClusterDeployment]:
    """The cluster emptied, the test keys registered and written where `liaison up` keeps them; no service yet."""
    client = RedisCluster(host="127.0.0.1", port=cluster[0].port)
    client.flushall()  # every master
    client.close()
    deployed = _deploy(cluster, tmp_path)
    yield deployed
    deployed.stop_all()


def _deploy(cluster: list[RedisServer], tmp_path: Path) -> ClusterDeployment:
    """A deployment on ``cluster``: only the cluster URL in its environment, the test keys written and registered."""
    url = url_of(cluster)
    env = {**os.environ, "LIAISON_REDIS_URL": url, "LIAISON_PARTITIONS": "4", "LIAISON_RECLAIM_IDLE_MS": "1000",
           "LIAISON_VAR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    write_box_keys(tmp_path / "var")
    register_test_keys_at(url)
    deployed = ClusterDeployment(cluster[0], tmp_path, env)
    deployed.cluster = cluster
    deployed.reads = READS
    return deployed


def _rebuilt_equal(deployment: Deployment) -> bool:
    replay = deployment.liaison("replay")
    return replay.returncode == 0 and " 0 differences" in replay.stdout


def test_simulated_traffic_on_a_cluster_is_recorded_projected_and_verifies(on_cluster: ClusterDeployment) -> None:
    """simulate -> every report answered; the cases listed are the simulator's; replay verifies every chain and
    the views equal a rebuild; every proof holds; the log exports (and the export names every case), and the
    export imported into the emptied cluster verifies, its proofs all holding."""
    for service in SERVICES:
        on_cluster.start(service)
    run = on_cluster.liaison("simulate", "--events", "300", "--seed", "5", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["accepted"], summary["rejected"], summary["unanswered"]) == (300, {}, 0)
    caused = set(summary["cases"]) | set(summary["follow_up_cases"])

    def listed() -> bool:
        return {v["case_id"] for v in on_cluster.liaison_json("cases")} - {REGISTRY_CASE} == caused

    wait_until(listed, 30, "`liaison cases` to list every case the simulation caused")
    wait_until(lambda: _rebuilt_equal(on_cluster), 30, "the views to equal a rebuild from the log")
    proofs = on_cluster.liaison_json("proofs")
    assert proofs["failures"] == []
    assert proofs["verified"] >= 300
    export = on_cluster.liaison("export", "--out", str(on_cluster.workdir / "log.jsonl"))
    assert export.returncode == 0, export.stderr
    header = json.loads((on_cluster.workdir / "log.jsonl").read_text().splitlines()[0])
    assert header["cases"] == len(caused) + 1  # and the key registry
    # The export imported into the emptied cluster: every chain verifies, every proof holds again.
    on_cluster.stop_all()
    emptying = on_cluster.client()
    emptying.flushall()
    emptying.close()
    imported = on_cluster.liaison("import", str(on_cluster.workdir / "log.jsonl"))
    assert imported.returncode == 0, imported.stderr
    verified = on_cluster.liaison("replay", "--verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert on_cluster.liaison_json("proofs")["verified"] == proofs["verified"]


def test_a_service_killed_mid_run_on_a_cluster_loses_nothing_and_doubles_nothing(
    on_cluster: ClusterDeployment,
) -> None:
    """kill -9 the hotline while a simulation runs, start it again: every report is answered once, the log
    verifies and the views equal a rebuild."""
    for service in SERVICES:
        on_cluster.start(service)
    simulation = subprocess.Popen(
        [sys.executable, "-m", "liaison", "simulate", "--events", "400", "--rate", "200", "--seed", "9", "--json"],
        env=on_cluster.env, cwd=on_cluster.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(0.8)
    on_cluster.processes["hotline"].send_signal(signal.SIGKILL)
    on_cluster.processes["hotline"].wait()
    del on_cluster.processes["hotline"]
    on_cluster.start("hotline")
    out, err = simulation.communicate(timeout=120)
    assert simulation.returncode == 0, err.decode()
    summary: dict[str, Any] = json.loads(out)
    assert (summary["accepted"], summary["rejected"], summary["unanswered"]) == (400, {}, 0)
    wait_until(lambda: _rebuilt_equal(on_cluster), 30, "the views to equal a rebuild from the log")
    events = on_cluster.liaison_json("proofs")
    assert events["failures"] == []
    assert events["verified"] >= 400  # every report's first event, each signed once


def test_replica_durability_on_a_cluster_waits_on_every_master(cluster: list[RedisServer]) -> None:
    """``replica`` on a 3-master cluster: appends of a batch spread over every master each return ``replica``
    (a WAIT on each master's connection, after its share of the batch); with one master's replica frozen, that
    master's appends say ``local`` and the others' still ``replica``."""

    async def run() -> None:
        client = client_of(url_of(cluster))
        try:
            await client.flushall()
            store = await EventStore.create(client, 16)
            store.durability = Durability("replica", timeout_ms=1000)
            requests = [AppendRequest(f"wide-{i}", calls(f"wide-{i}", 1, 1), 0, f"cmd-wide-{i}") for i in range(32)]
            results = await store.append_many(requests)
            masters = {client.get_node_from_key(store.keys(p).log).name for p in range(16)}
            assert len(masters) == 3
            assert [getattr(r, "durability", None) for r in results] == ["replica"] * 32
            # One master's replica frozen: that master's appends say local, the others' still replica.
            first = cluster[0]
            info = await client.execute_command("INFO", "replication", target_nodes=client.get_node(
                host="127.0.0.1", port=first.port))
            replica_port = int(str(info["slave0"]["port"]) if isinstance(info.get("slave0"), dict)
                               else str(info["slave0"]).split("port=")[1].split(",")[0])
            [frozen] = [s for s in cluster if s.port == replica_port]
            assert frozen.process is not None
            store.durability = Durability("replica", timeout_ms=300)
            frozen.process.send_signal(signal.SIGSTOP)
            try:
                later = await store.append_many(
                    [AppendRequest(f"wide-{i}", calls(f"wide-{i}", 2, 1), 1) for i in range(32)])
            finally:
                frozen.process.send_signal(signal.SIGCONT)
            on_first = [client.get_node_from_key(store.keys(store.partition_of(f"wide-{i}")).log).port == first.port
                        for i in range(32)]
            assert any(on_first)
            assert not all(on_first)
            assert [getattr(r, "durability", None) for r in later] == [
                "local" if here else "replica" for here in on_first]
        finally:
            await client.aclose()

    asyncio.run(run())


@pytest.mark.slow
def test_acl_apply_locks_down_every_node_and_the_services_run_as_their_own_users(tmp_path: Path) -> None:
    """`liaison acl apply` on a cluster URL: every node (masters and replicas) refuses the default user, the
    replicas stay in sync (they log in as ``replication``), and every service, run as its own user, records and
    projects a simulation; `liaison replay` as the auditor verifies it."""
    servers = start_cluster(tmp_path / "cluster", masters=3, replicas=1)
    try:
        deployment = _deploy(servers, tmp_path)
        applied = deployment.liaison("acl", "apply", "--json")
        assert applied.returncode == 0, applied.stderr
        said = json.loads(applied.stdout)
        assert (said["nodes"], said["default_user"]) == (6, "off")
        # These nodes run without an aclfile or a config file: the apply says every one of them loses it all on a
        # restart, rather than pretending.
        assert len(said["not_kept"]) == 6
        assert "warning" in applied.stderr
        var = tmp_path / "var"
        for node in servers:
            anonymous = Redis(port=node.port, retry=Retry(NoBackoff(), 0))  # refused at once, not retried
            with pytest.raises(RedisError, match=r"(?i)auth"):
                anonymous.ping()
            anonymous.close()

        def as_user(user: str) -> str:
            password = acl.password_of(var, user)
            assert password is not None
            return f"redis+cluster://{user}:{password}@127.0.0.1:{servers[0].port}"

        operator = Redis(port=servers[0].port, username="operator", password=acl.password_of(var, "operator"))
        for i in range(1000):  # a key of this node's slots (any other is MOVED elsewhere)
            try:
                operator.set(f"probe-{i}", "1")
                break
            except MovedError:
                continue
        assert operator.execute_command("WAIT", 1, 2000) == 1, "the replica still replicates, as `replication`"
        operator.close()
        deployment.env["LIAISON_REDIS_URL"] = as_user("operator")
        for service in SERVICES:
            deployment.start(service, LIAISON_REDIS_URL=as_user(service))
        run = deployment.liaison("simulate", "--events", "60", "--seed", "8", "--json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["accepted"] == 60
        deployment.env["LIAISON_REDIS_URL"] = as_user("auditor")
        wait_until(lambda: _rebuilt_equal(deployment), 30, "the views to equal a rebuild, checked as the auditor")
        deployment.stop_all()
    finally:
        stop_all(servers)


def test_liaison_up_on_a_cluster_serves_and_stops_cleanly_on_ctrl_c(on_cluster: ClusterDeployment) -> None:
    """`make run` on a cluster is one variable: `liaison up` with LIAISON_REDIS_URL=redis+cluster://… starts every
    service and the gateway, a report sent is answered and its case listed, and Ctrl-C stops it all with exit 0
    and no traceback."""
    env = on_cluster.env | {"LIAISON_HTTP": f"127.0.0.1:{free_port()}"}
    with liaison_up(env, on_cluster.workdir, "gateway") as (up, seen):
        example = on_cluster.liaison("example", "LogCall").stdout
        sent = on_cluster.liaison("send", stdin=example.encode())
        assert sent.returncode == 0, sent.stdout + sent.stderr
        case_id = json.loads(sent.stdout)["case_id"]
        wait_until(lambda: on_cluster.liaison("case", case_id).returncode == 0, 20, "the case view")
        up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=30)
        assert up.returncode == 0, out.decode()
        assert "Traceback" not in "".join(seen) + out.decode()


@pytest.mark.slow
def test_a_replica_append_redirected_by_a_moved_slot_says_local(tmp_path: Path) -> None:
    """Under ``replica``, an append sent to a master that no longer owns its slot (MOVED: the slot moved behind the
    client's back) runs elsewhere, without the WAIT of the connection it was sent on: it is recorded and says
    ``local``; the other append of the batch still says ``replica``."""
    servers = start_cluster(tmp_path / "cluster", masters=3, replicas=1)
    masters = servers[:3]

    async def run() -> None:
        client: Any = client_of(url_of(servers))
        try:
            store = await EventStore.create(client, 16)
            store.durability = Durability("replica", timeout_ms=1000)
            await store.append_many([AppendRequest("warm-up", calls("warm-up", 1, 1), 0)])
            for node in masters:  # the script everywhere: a NOSCRIPT retry would re-route the append itself
                Redis(port=node.port).script_load(store._append.script)
            moved = "moved-0"
            log = store.keys(store.partition_of(moved)).log
            slot, owner = client.keyslot(log), client.get_node_from_key(log).port
            other = next(f"other-{i}" for i in range(1000)
                         if client.keyslot(store.keys(store.partition_of(f"other-{i}")).log) != slot)
            ids = {n.port: Redis(port=n.port).execute_command("CLUSTER MYID").decode() for n in masters}
            target = next(n.port for n in masters if n.port != owner)
            for node in masters:  # the slot is empty: it moves by decree
                Redis(port=node.port).execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target])
            assert client.get_node_from_key(log).port == owner, "the client still routes to the old owner"
            # Head hashes given, so nothing is read (and no MOVED refreshes the client's map) before the appends.
            results = await store.append_many([
                AppendRequest(moved, calls(moved, 1, 1), 0, head_hash=GENESIS),
                AppendRequest(other, calls(other, 1, 1), 0, head_hash=GENESIS),
            ])
            assert [getattr(r, "durability", None) for r in results] == ["local", "replica"]
            assert [len(await store.read_case(c)) for c in (moved, other)] == [1, 1]
        finally:
            await client.aclose()

    try:
        asyncio.run(run())
    finally:
        stop_all(servers)


def _lease_holders(deployment: ClusterDeployment) -> list[str]:
    """The consumer (``host-pid``) holding each partition's projections lease, "" where none does."""
    client = deployment.client()
    try:
        values = [client.get(keys.lease(p, keys.PROJECTIONS_GROUP)) for p in range(4)]
    finally:
        client.close()
    return [v.decode().rpartition(" ")[0] if v else "" for v in values]


def test_two_projection_workers_share_the_partitions_and_one_killed_is_taken_over(
    on_cluster: ClusterDeployment,
) -> None:
    """Two projections processes split the partitions' leases two and two; kill -9 one while reports flow: the
    other takes its partitions (and the entries it held) within the lease's 5 s and a tick, every report is
    answered, and the views equal a rebuild. Prints the takeover time (ADR 0022)."""
    for service in SERVICES:
        on_cluster.start(service)
    second = on_cluster.start("projections", name="projections-2")
    first_pid = on_cluster.processes["projections"].pid

    def split() -> bool:
        holders = _lease_holders(on_cluster)
        return all(holders) and len(set(holders)) == 2 and holders.count(holders[0]) == 2

    wait_until(split, 15, "two projections workers to hold two partitions each")
    simulation = subprocess.Popen(
        [sys.executable, "-m", "liaison", "simulate", "--events", "300", "--rate", "150", "--seed", "4", "--json"],
        env=on_cluster.env, cwd=on_cluster.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(0.8)
    on_cluster.kill("projections")
    killed = time.monotonic()
    survivor = f"-{second.pid}"
    wait_until(lambda: all(h.endswith(survivor) for h in _lease_holders(on_cluster)), 15,
               "the surviving worker to hold every partition")
    print(f"takeover: {time.monotonic() - killed:.1f} s after kill -9 of pid {first_pid}")
    out, err = simulation.communicate(timeout=120)
    assert simulation.returncode == 0, err.decode()
    summary: dict[str, Any] = json.loads(out)
    assert (summary["accepted"], summary["rejected"], summary["unanswered"]) == (300, {}, 0)
    wait_until(lambda: _rebuilt_equal(on_cluster), 30, "the views to equal a rebuild from the log")


def _lost_accepted_events(url: str) -> dict[str, tuple[int, int]]:
    """By the durability each outcome says it reached: (accepted events, how many the log no longer holds)."""

    async def count() -> dict[str, tuple[int, int]]:
        client = client_of(url)
        try:
            store = await EventStore.open(client)
            held: dict[str, set[str]] = {}
            tally: dict[str, tuple[int, int]] = {}
            for _, fields in await client.xrange(keys.OUTCOMES):
                outcome = json.loads(fields[b"outcome"])
                if outcome["status"] != "accepted":
                    continue
                case_id = outcome["case_id"]
                if case_id not in held:
                    held[case_id] = {r.event().event_id for r in await store.read_case(case_id)}
                for event in outcome["events"]:
                    checked, lost = tally.get(outcome.get("durability", "none"), (0, 0))
                    tally[outcome.get("durability", "none")] = (checked + 1, lost + (event["event_id"] not in
                                                                                      held[case_id]))
            return tally
        finally:
            await client.aclose()

    return asyncio.run(count())


@pytest.mark.slow
def test_after_a_master_fails_over_the_services_carry_on_by_themselves(tmp_path: Path) -> None:
    """Under load (500 reports at 125 a second, ``LIAISON_DURABILITY=replica``), kill -9 a master (not the node the
    URL names): its replica takes over within seconds and every service carries on without a restart: the
    reports sent after the failover are all accepted, the log verifies and the views equal a rebuild. No event a
    replica acknowledged is lost; prints what was lost of the others (docs/benchmarks.md, "Failover")."""
    servers = start_cluster(tmp_path / "cluster", masters=3, replicas=1)
    try:
        url = url_of(servers)
        deployment = _deploy(servers, tmp_path)
        deployment.env["LIAISON_DURABILITY"] = "replica"
        env = deployment.env
        try:
            for service in SERVICES:
                deployment.start(service)
            load = subprocess.Popen(
                [sys.executable, "-m", "liaison", "simulate", "--events", "500", "--rate", "125", "--seed", "2",
                 "--json"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )
            time.sleep(1.5)
            victim = servers[1]  # a master (redis-cli makes the first three the masters), not the URL's node
            assert victim.process is not None
            victim.process.kill()
            victim.process.wait()
            load.communicate(timeout=180)
            wait_until(lambda: serving(servers[0]), 30, "the replica to take over (cluster_state:ok)")
            after = deployment.liaison("simulate", "--events", "100", "--seed", "3", "--json")
            assert after.returncode == 0, after.stderr
            summary = json.loads(after.stdout)
            assert (summary["accepted"], summary["rejected"], summary["unanswered"]) == (100, {}, 0)
            wait_until(lambda: _rebuilt_equal(deployment), 60, "the views to equal a rebuild after the failover")
            tally = _lost_accepted_events(url)
            print(f"failover: accepted events (lost) by durability reached: {tally}")  # docs/benchmarks.md
            assert tally.get("replica", (0, 0))[1] == 0, "an event a replica acknowledged was lost"
            assert tally["replica"][0] >= 400, "most reports waited for their replica"
        finally:
            deployment.stop_all()
    finally:
        stop_all(servers)

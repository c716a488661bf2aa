"""The backbone end to end: real redis-server, the services as processes, the `liaison` CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from shared.access.signatures import REGISTRY_CASE
from shared.redis_server import free_port
from tests.e2e.conftest import ROOT, Deployment, liaison_up, wait_until

COUNT_OF = {
    "HotlineCallLogged": "calls",
    "LetterSent": "letters_sent",
    "LetterReceived": "letters_received",
    "MessageAcknowledged": "acknowledgements",
    "UrgentCallConfirmedInWriting": "confirmations",
}


def _counts_match(views: list[dict[str, Any]], expected: dict[str, dict[str, int]]) -> bool:
    by_id = {v["case_id"]: v for v in views if v["case_id"] != REGISTRY_CASE}  # the keys' case is the log's own
    for case_id, counts in expected.items():
        view = by_id.get(case_id)
        if view is None:
            return False
        want = {field: 0 for field in COUNT_OF.values()}
        for kind, n in counts.items():
            want[COUNT_OF[kind]] += n
        if {field: view["counts"][field] for field in want} != want:
            return False
    return set(by_id) == set(expected)


def test_simulated_traffic_shows_every_case_with_its_counts(deployment: Deployment) -> None:
    """Every case the simulator opened appears in `liaison cases` with the counts its outcomes reported."""
    deployment.start("hotline")
    deployment.start("projections")
    run = deployment.liaison("simulate", "--events", "400", "--seed", "7", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["accepted"] == 400
    assert summary["rejected"] == {}
    expected = summary["cases"]
    wait_until(lambda: _counts_match(deployment.liaison_json("cases"), expected), 30, "views matching the outcomes")


def test_kill_9_projections_midway_then_rebuild_finds_no_difference(deployment: Deployment) -> None:
    """After kill -9 of the projections mid-run and a restart, the live views equal a rebuild from the log."""
    deployment.start("hotline")
    deployment.start("projections")
    simulation = subprocess.Popen(
        [sys.executable, "-m", "liaison", "simulate", "--events", "1500", "--rate", "600", "--json"],
        env=deployment.env,
        cwd=deployment.workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    client = Redis.from_url(deployment.redis.url)
    try:
        wait_until(lambda: int(client.get("liaison:{p0}:n") or 0) > 60, 30, "traffic to reach the log")
        deployment.kill("projections")
        wait_until(lambda: int(client.get("liaison:{p0}:n") or 0) > 150, 30, "more traffic while projections are down")
        assert _unprojected(client) > 0, "the kill must leave work undone for the restarted worker"
        deployment.start("projections")
        out, err = simulation.communicate(timeout=60)
        assert simulation.returncode == 0, err
        assert json.loads(out)["accepted"] == 1500
    finally:
        client.close()
        if simulation.poll() is None:
            simulation.kill()
    wait_until(lambda: deployment.liaison("replay", "--rebuild").returncode == 0, 40, "views to catch up")
    final = deployment.liaison("replay")
    assert final.returncode == 0, final.stdout + final.stderr
    assert "0 differences" in final.stdout


def _unprojected(client: Redis) -> int:
    """Log entries the projections group has not acknowledged yet, over every partition."""
    total = 0
    for p in range(4):
        group = next(g for g in client.xinfo_groups(f"liaison:{{p{p}}}:log") if g["name"] == b"projections")
        total += int(group["pending"]) + int(group["lag"] or 0)
    return total


def _rewrite_one_byte(client: Redis, log: str) -> tuple[str, str]:
    """Delete the stream and re-add every entry with its original id, one byte changed in one event."""
    entries: list[Any] = client.xrange(log)
    victim = len(entries) // 2
    client.delete(log)
    for i, (entry_id, fields) in enumerate(entries):
        if i == victim:
            event = fields[b"e"]
            fields = {**fields, b"e": event.replace(b'"officer":"', b'"officer":"X', 1)}
        client.xadd(log, fields, id=entry_id)
    entry_id, fields = entries[victim]
    return entry_id.decode(), json.loads(fields[b"e"])["case_id"]


def test_tampering_is_found_and_named(deployment: Deployment) -> None:
    """One byte rewritten, or one entry deleted, makes `replay --verify` exit 3 naming partition, position and case."""
    deployment.start("hotline")
    run = deployment.liaison("simulate", "--events", "120", "--json")
    assert run.returncode == 0, run.stderr
    clean = deployment.liaison("replay", "--verify")
    assert clean.returncode == 0, clean.stdout
    client = Redis.from_url(deployment.redis.url)
    try:
        position, case_id = _rewrite_one_byte(client, "liaison:{p1}:log")
        tampered = deployment.liaison("replay", "--verify")
        assert tampered.returncode == 3, tampered.stdout
        assert "partition 1" in tampered.stdout
        assert position in tampered.stdout
        assert case_id in tampered.stdout

        middle: Any = client.xrange("liaison:{p2}:log")[5]
        client.xdel("liaison:{p2}:log", middle[0])
        deleted = deployment.liaison("replay", "--verify", "--json")
        assert deleted.returncode == 3
        breaches = json.loads(deleted.stdout)["verify"]["breaches"]
        assert any(b["partition"] == 2 and b["kind"] == "number_gap" for b in breaches)
        assert any(b["case_id"] == json.loads(middle[1][b"e"])["case_id"] for b in breaches)
    finally:
        client.close()


def test_send_answers_every_line_in_order(deployment: Deployment) -> None:
    """`liaison send` gives one outcome per line, in order: accepted, or rejected with a reason naming the problem."""
    deployment.start("hotline")
    good = deployment.liaison("example", "LogCall").stdout.strip()
    wrong_offset = json.loads(deployment.liaison("example", "SendLetter").stdout)
    wrong_offset["at"] = wrong_offset["at"][:-6] + "+08:00"
    lines = [good, "{not json", json.dumps({"type": "Teleport", "command_id": "c-1"}), json.dumps(wrong_offset), good]
    run = deployment.liaison("send", stdin=("\n".join(lines) + "\n").encode())
    assert run.returncode == 1, run.stderr
    outcomes = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["status"] for o in outcomes] == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    assert outcomes[1]["reason"]["code"] == "invalid_json"
    assert outcomes[2]["reason"]["code"] == "unknown_type"
    assert outcomes[3]["reason"]["code"] == "wrong_offset"
    assert "at" in outcomes[3]["reason"]["message"]
    assert outcomes[4] == outcomes[0], "a report sent twice is recorded once and answered the same"


@pytest.mark.parametrize("kind", ["LogCall", "SendLetter", "ReceiveLetter"])
def test_every_opening_example_is_accepted_as_it_is(deployment: Deployment, kind: str) -> None:
    """`liaison example TYPE | liaison send` is accepted on an empty store for every type that opens a case."""
    deployment.start("hotline")
    report = deployment.liaison("example", kind).stdout
    run = deployment.liaison("send", stdin=report.encode())
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["status"] == "accepted"


def test_liaison_up_runs_everything_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """`liaison up` with no LIAISON_REDIS_URL starts Redis under ./var and the services; Ctrl-C stops them all."""
    env = {k: v for k, v in os.environ.items() if k != "LIAISON_REDIS_URL"}
    env |= {"PYTHONPATH": str(ROOT), "LIAISON_PARTITIONS": "4", "LIAISON_HTTP": f"127.0.0.1:{free_port()}"}
    with liaison_up(env, tmp_path, "projections") as (up, _):
        assert (tmp_path / "var" / "redis.sock").exists()

        def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "liaison", *args],
                env=env, cwd=tmp_path, input=stdin, capture_output=True, text=True, timeout=60, check=False,
            )

        sent = cli("send", stdin=cli("example", "LogCall").stdout)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        case_id = json.loads(sent.stdout)["case_id"]
        wait_until(lambda: cli("case", case_id).returncode == 0, 20, "the case view")
        up.send_signal(signal.SIGINT)
        assert up.wait(30) == 0
        assert not (tmp_path / "var" / "redis.sock").exists()
        assert (tmp_path / "var" / "redis" / "appendonlydir").is_dir()


def test_watch_shows_a_new_report_live(deployment: Deployment) -> None:
    """`liaison watch --json` prints the case update of a report sent after it started."""
    deployment.start("hotline")
    deployment.start("projections")
    watch = subprocess.Popen(
        [sys.executable, "-m", "liaison", "watch", "--json"],
        env=deployment.env, cwd=deployment.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        # Let the watcher take its "from now" positions before anything is sent.
        wait_until(lambda: _clients_blocked(deployment) >= 1, 20, "watch to start reading")
        sent = deployment.liaison("send", stdin=deployment.liaison("example", "LogCall").stdout.encode())
        case_id = json.loads(sent.stdout)["case_id"]
        assert watch.stdout is not None
        update = json.loads(watch.stdout.readline())
        assert update["case_id"] == case_id
        assert update["view"]["counts"]["calls"] == 1
    finally:
        watch.terminate()
        watch.communicate(timeout=10)


def _clients_blocked(deployment: Deployment) -> int:
    """How many clients sit in a blocking read that is not a consumer group's (XREAD of updates)."""
    client = Redis.from_url(deployment.redis.url)
    try:
        return sum(1 for c in client.client_list() if c.get("cmd") == "xread")
    finally:
        client.close()

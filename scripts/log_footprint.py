"""Events per report and Redis memory per event, from the log of a `liaison simulate` run:
`.venv/bin/python scripts/log_footprint.py [REPORTS]` (default 3,000).

Starts a private redis-server (the embedded one's settings: AOF always, 16 KB stream nodes), runs `liaison up`
against it (every service and the gateway, the box's signing keys), sends REPORTS reports with `liaison simulate`,
waits until the projections are done, then weighs every key with `MEMORY USAGE`, grouped by what it holds and
by whether it grows for ever (the log is never trimmed, ADR 0009) or is capped, trimmed or expires.
docs/capacity.md cites its figures.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import ResponseError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.redis_server import RedisServer, free_port
from shared.store import keys

PARTITIONS = 16
"""The default of LIAISON_PARTITIONS."""

FOR_EVER = ("log", "log indexes", "views", "command-id claims", "disclosures", "vault")
"""Kinds of key that grow with the traffic and are never trimmed (the rest are capped, trimmed or expire)."""


def kind_of(key: str) -> str:
    """What a key holds, by its name (shared/store/keys.py)."""
    if key.startswith(f"{keys.PREFIX}:{{p"):
        rest = key.split("}:", 1)[1]
        named = {"log": "log", "views": "views", "viewv": "views", "claims": "command-id claims",
                 "updates": "case updates (capped)", "deadlines": "deadlines (pending only)",
                 "disclosures": "disclosures"}
        if rest in named:
            return named[rest]
        if rest.startswith("case:") or rest in ("eids", "cmds", "heads", "n"):
            return "log indexes"
        return "other, per partition"
    if key == keys.OUTCOMES:
        return "outcomes (capped)"
    if key.startswith(f"{keys.PREFIX}:intake:"):
        return "intakes (trimmed after a day)"
    if key.startswith(f"{keys.PREFIX}:rejected:"):
        return "rejections (expire)"
    if key.startswith(keys.VAULT_PREFIX):
        return "vault"
    return "other"


def _logged(client: Redis) -> int:
    return sum(int(client.xlen(keys.PartitionKeys(p).log)) for p in range(PARTITIONS))


def _counts(client: Redis) -> dict[str, int]:
    """How many things the kinds of key hold: to weigh views per case and the capped streams per entry."""
    def each(name: str) -> list[str]:
        return [getattr(keys.PartitionKeys(p), name) for p in range(PARTITIONS)]

    return {
        "case views": sum(int(client.hlen(k)) for k in each("views")),
        "case updates (capped)": sum(int(client.xlen(k)) for k in each("updates")),
        "outcomes (capped)": int(client.xlen(keys.OUTCOMES)),
        "intakes (trimmed after a day)": sum(int(client.xlen(keys.intake(s))) for s in ("hotline", "incidents")),
    }


def _projected(client: Redis) -> bool:
    for p in range(PARTITIONS):
        groups: Any = client.xinfo_groups(keys.PartitionKeys(p).log)
        found = [g for g in groups if g["name"] in (b"projections", "projections")]
        if not found or found[0]["pending"] or found[0].get("lag"):
            return False
    return True


def _wait(condition: Any, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {within_s:.0f} s")
        time.sleep(0.2)


def _reading(client: Redis) -> bool:
    """Every service reading: the hotline's and incidents' intakes, and the projections on the last partition."""
    streams = (keys.intake("hotline"), keys.intake("incidents"), keys.PartitionKeys(PARTITIONS - 1).log)
    for stream in streams:
        try:
            if not client.xinfo_groups(stream):
                return False
        except ResponseError:  # the stream is not there yet
            return False
    return True


def weigh(client: Redis) -> Counter[str]:
    """Bytes per kind of key (``MEMORY USAGE ... SAMPLES 0``: every element counted, not a sample)."""
    weights: Counter[str] = Counter()
    for key in client.scan_iter(count=1000):
        name = key.decode()
        weights[kind_of(name)] += int(client.memory_usage(name, samples=0) or 0)
    return weights


def main(reports: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liaison-footprint-"))
    server = RedisServer(workdir / "redis").start()
    client = Redis.from_url(server.url)
    env = {**os.environ, "LIAISON_REDIS_URL": server.url, "LIAISON_VAR": str(workdir / "var"),
           "LIAISON_HTTP": f"127.0.0.1:{free_port()}", "LIAISON_PARTITIONS": str(PARTITIONS)}
    with open(workdir / "up.log", "ab") as log:
        up = subprocess.Popen([sys.executable, "-m", "liaison", "up"], env=env, cwd=workdir, stdout=log, stderr=log)
    try:
        _wait(lambda: _reading(client), 60, "every service reading")
        time.sleep(1.0)  # `served` sees the incidents service by its reading consumer
        empty, logged_before = int(client.info("memory")["used_memory"]), _logged(client)
        weights_before, counts_before = weigh(client), _counts(client)
        done = subprocess.run([sys.executable, "-m", "liaison", "simulate", "--events", str(reports), "--json"],
                              env=env, cwd=workdir, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode not in (0, 1):  # 1: some reports rejected, as the simulator's traffic has
            raise RuntimeError(f"liaison simulate exited {done.returncode}: {done.stderr[-2000:]}")
        sim = json.loads(done.stdout)
        _wait(lambda: _projected(client), 300, "the projections catching up")
        time.sleep(2.0)  # the incidents service's events for urgent calls and patrol findings
        events = _logged(client) - logged_before
        used = int(client.info("memory")["used_memory"]) - empty
        after = weigh(client)
        grown = {kind: after[kind] - weights_before.get(kind, 0) for kind in after}
        counts = {k: v - counts_before[k] for k, v in _counts(client).items()}
    except BaseException:
        print(f"log_footprint: stopped; the logs are kept in {workdir}", file=sys.stderr)
        raise
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(30)
        except subprocess.TimeoutExpired:
            up.kill()
        client.close()
        server.stop()
    types: Counter[str] = Counter()
    for recorded in sim["cases"].values():
        types.update(recorded)
    for_ever = sum(v for k, v in grown.items() if k in FOR_EVER)
    result = {
        "reports": sim["reports"], "accepted": sim["accepted"], "rejected": sim["rejected"],
        "elapsed_s": sim["elapsed_s"], "cases": len(sim["cases"]), "raised_cases": len(sim["follow_up_cases"]),
        "events": events, "events_per_accepted_report": events / sim["accepted"],
        "used_memory_bytes_per_event": used / events,
        "for_ever_bytes_per_event": for_ever / events,
        "bytes_per_event": {k: round(v / events, 1) for k, v in sorted(grown.items(), key=lambda kv: -kv[1])},
        "log_and_indexes_bytes_per_event": (grown["log"] + grown["log indexes"]) / events,
        "views_bytes_per_case": grown["views"] / counts["case views"],
        "claims_bytes_per_report": grown.get("command-id claims", 0) / sim["accepted"],
        "bytes_per_entry": {k: round(grown[k] / n, 1) for k, n in counts.items() if k in grown and n},
        "counts": counts,
        "event_types_of_sent_reports": dict(types.most_common()),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)

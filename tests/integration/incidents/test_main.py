"""``python -m services.incidents`` as a real process: refuses bad settings, serves, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from shared.redis_server import RedisServer
from tests.integration.incidents.conftest import outcome_of, send
from tests.unit.incidents import incident_reports as inc


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    return env | {"LIAISON_VAR": str(var_dir)} | extra


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "services.incidents"], env=env, capture_output=True, timeout=60,
                          check=False)


def test_without_redis_it_exits_2_saying_what_to_do(tmp_path: Path) -> None:
    """No LIAISON_REDIS_URL and no embedded Redis: exit 2 with a message naming the variable."""
    done = _run(_env(tmp_path))
    assert done.returncode == 2
    assert b"LIAISON_REDIS_URL" in done.stderr
    assert b"Traceback" not in done.stderr


def test_a_bad_policy_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    """A policy file with a misspelt deadline is refused by name (variable, file and field), without a traceback."""
    policy = tmp_path / "policy.json"
    policy.write_text('{"acknowledge_within": "tomorrow"}')
    done = _run(_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1", LIAISON_INCIDENTS_POLICY=str(policy)))
    assert done.returncode == 2
    assert b"LIAISON_INCIDENTS_POLICY" in done.stderr
    assert b"acknowledge_within" in done.stderr
    assert b"Traceback" not in done.stderr
    missing = _run(_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1",
                        LIAISON_INCIDENTS_POLICY=str(tmp_path / "nowhere.json")))
    assert missing.returncode == 2
    assert b"nowhere.json" in missing.stderr


def test_an_unreachable_redis_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """A LIAISON_REDIS_URL nobody listens on: exit 2, saying which address could not be reached."""
    done = _run(_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1"))
    assert done.returncode == 2
    assert b"cannot reach Redis at redis://127.0.0.1:1" in done.stderr
    assert b"Traceback" not in done.stderr


async def test_the_process_answers_reports_and_stops_cleanly_on_sigterm(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Started with LIAISON_REDIS_URL, the process accepts a RaiseIncident; SIGTERM ends it with exit 0."""
    env = _env(tmp_path, LIAISON_REDIS_URL=redis_server.url, LIAISON_PARTITIONS="4")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.incidents", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await send(redis, inc.raise_incident(command_id="cmd-process"))
        outcome = await outcome_of(redis, "cmd-process", within=30)
        assert outcome.status == "accepted"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()

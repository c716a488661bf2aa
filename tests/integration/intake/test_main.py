"""``python -m services.hotline`` and ``python -m services.incidents`` as real processes: each refuses to start
without a reachable Redis, serves, and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.redis_server import RedisServer
from shared.store import keys
from tests.conftest import TEST_PARTITIONS
from tests.integration.hotline.conftest import outcome_of
from tests.integration.intake_apps import main_env, run_main, send_to
from tests.signing import register_test_keys
from tests.unit.hotline.reports import log_call
from tests.unit.incidents import incident_reports as inc

SERVICES = pytest.mark.parametrize("service", ["hotline", "incidents"])

REPORTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "hotline": log_call,
    "incidents": lambda command_id: inc.raise_incident(command_id=command_id),
}
"""A report each service accepts on an empty store (a hotline call, a RaiseIncident), under a given command id."""


@SERVICES
def test_without_redis_it_exits_2_saying_what_to_do(service: str, tmp_path: Path) -> None:
    """No LIAISON_REDIS_URL and no embedded Redis: exit 2 with a message naming the variable."""
    done = run_main(service, main_env(tmp_path))
    assert done.returncode == 2
    assert b"LIAISON_REDIS_URL" in done.stderr
    assert b"Traceback" not in done.stderr


@SERVICES
def test_an_unreachable_redis_exits_2_without_a_traceback(service: str, tmp_path: Path) -> None:
    """A LIAISON_REDIS_URL nobody listens on: exit 2, saying which address could not be reached."""
    done = run_main(service, main_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1"))
    assert done.returncode == 2
    assert b"cannot reach Redis at redis://127.0.0.1:1" in done.stderr
    assert b"Traceback" not in done.stderr


@SERVICES
async def test_the_process_answers_reports_and_stops_cleanly_on_sigterm(
    service: str, redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Started with LIAISON_REDIS_URL, the process accepts a report of its service; SIGTERM ends it with exit 0."""
    await register_test_keys(redis)  # as `liaison up` registers the box's keys; the intake checks signatures
    env = main_env(tmp_path, LIAISON_REDIS_URL=redis_server.url, LIAISON_PARTITIONS=str(TEST_PARTITIONS))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"services.{service}", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await send_to(redis, keys.intake(service), REPORTS[service]("cmd-process"))
        outcome = await outcome_of(redis, "cmd-process", within=30)
        assert outcome.status == "accepted"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()

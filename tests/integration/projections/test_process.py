"""``python -m services.projections`` as a real process: refuses to start without Redis, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.projections.helpers import append_all, expected, views_are
from tests.unit.projections.factory import busy_case

ROOT = Path(__file__).resolve().parents[3]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    return env | values


async def _run(env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.projections", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    return process.returncode or 0, err.decode()


async def test_without_redis_it_exits_2_and_says_what_to_set(tmp_path: Path) -> None:
    """With no LIAISON_REDIS_URL and no embedded Redis running, the worker exits 2 naming the variable."""
    code, err = await _run(_env(LIAISON_VAR=str(tmp_path)))
    assert code == 2
    assert "LIAISON_REDIS_URL" in err
    assert "Traceback" not in err


async def test_a_bad_reclaim_idle_time_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """LIAISON_RECLAIM_IDLE_MS that is not a whole number is refused with exit 2 and the variable's name."""
    code, err = await _run(_env(LIAISON_VAR=str(tmp_path), LIAISON_RECLAIM_IDLE_MS="soon"))
    assert code == 2
    assert "LIAISON_RECLAIM_IDLE_MS" in err
    assert "'soon'" in err


async def test_the_process_projects_the_log_and_stops_cleanly_on_sigterm(
    store: EventStore, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The worker process builds the views of the existing log and exits 0 on SIGTERM."""
    cases = [busy_case(f"case-{i}") for i in range(5)]
    await append_all(store, cases)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.projections", cwd=ROOT,
        env=_env(LIAISON_REDIS_URL=redis_server.url, LIAISON_VAR=str(tmp_path)),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await views_are(store, expected(cases), within=20)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, err.decode()
    assert "projections worker stopped" in err.decode()

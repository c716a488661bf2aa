"""The HTTP API end to end: `liaison up` runs the gateway with the other services; a tool talks HTTP only."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from shared.redis_server import free_port
from tests.e2e.conftest import ROOT


def _liaison(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liaison", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
        check=False,
    )


def test_liaison_run_gateway_starts_the_gateway(tmp_path: Path) -> None:
    """`liaison run gateway` runs the gateway itself (here it stops at once: no Redis to use, exit 2)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env |= {"PYTHONPATH": str(ROOT), "LIAISON_VAR": str(tmp_path / "var")}
    done = _liaison(env, tmp_path, "run", "gateway")
    assert done.returncode == 2
    assert done.stderr.startswith("gateway: no Redis"), done.stderr


async def _wait_healthy(session: aiohttp.ClientSession, base: str, up: asyncio.subprocess.Process) -> None:
    """Wait until /health is 200 (`liaison up` runs every service, so every consumer group is there)."""
    deadline = time.monotonic() + 30
    last = "no answer"
    while time.monotonic() < deadline:
        assert up.returncode is None, "liaison up ended early"
        try:
            async with session.get(f"{base}/health") as response:
                body = await response.json()
                if response.status == 200:
                    return
                last = str(body)
        except aiohttp.ClientConnectionError as err:
            last = str(err)
        await asyncio.sleep(0.2)
    raise AssertionError(f"/health never became 200: {last}")


async def _startup_lines(up: asyncio.subprocess.Process) -> list[str]:
    """What `liaison up` prints up to the gateway's line."""
    assert up.stdout is not None
    seen: list[str] = []
    while not any(line.strip().startswith("gateway") for line in seen):
        line = (await asyncio.wait_for(up.stdout.readline(), 30)).decode()
        assert line, "liaison up ended early: " + "".join(seen)
        seen.append(line)
    return seen


async def test_liaison_up_serves_the_http_api_end_to_end(tmp_path: Path) -> None:
    """Under `liaison up`: healthy, a report POSTed is accepted, its update streams live, its case is served."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "LIAISON_REDIS_URL"}
    env |= {"PYTHONPATH": str(ROOT), "LIAISON_PARTITIONS": "4", "LIAISON_HTTP": f"127.0.0.1:{port}"}
    report = (await asyncio.to_thread(_liaison, env, tmp_path, "example", "LogCall")).stdout
    up = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liaison", "up", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        seen = await _startup_lines(up)
        assert any(f"HTTP API: {base}/" in line for line in seen), seen
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            await _wait_healthy(session, base, up)
            # Locked down from the start: nothing is served without a token, so one is issued on the box.
            async with session.get(f"{base}/v1/cases") as refused:
                assert refused.status == 401
            issued = await asyncio.to_thread(
                _liaison, env, tmp_path, "token", "issue", "--unit", json.loads(report)["unit"], "--role", "officer",
                "--json",
            )
            officer = json.loads(issued.stdout)["token"]
            session.headers["Authorization"] = f"Bearer {officer}"
            async with session.get(f"{base}/v1/updates") as stream:
                assert stream.status == 200
                async with session.post(f"{base}/v1/commands", data=report) as answer:
                    assert answer.status == 200, await answer.text()
                    case_id = (await answer.json())["case_id"]
                update = await asyncio.wait_for(_first_update(stream), 10)
                assert update["case_id"] == case_id
            async with session.get(f"{base}/v1/cases/{case_id}") as case:
                assert case.status == 200
                assert (await case.json())["counts"]["calls"] == 1
        up.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(up.wait(), 30) == 0
    finally:
        if up.returncode is None:
            # Ctrl-C first: the supervisor then stops its children and its Redis, which a kill
            # would leave running (they live in sessions of their own).
            up.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(up.wait(), 30)
            except TimeoutError:
                up.kill()
                await up.wait()


async def _first_update(stream: aiohttp.ClientResponse) -> dict[str, object]:
    """The data of the first update event (skipping retry, ready and comments)."""
    event = "message"
    while True:
        line = (await stream.content.readline()).decode().rstrip("\n")
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "message":
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return data
        elif not line:
            event = "message"

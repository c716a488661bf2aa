"""``python -m services.gateway`` as a real process: refuses bad settings, serves, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from shared.access import tokens
from shared.redis_server import RedisServer, free_port
from shared.store import EventStore
from tests.signing import write_box_keys

ROOT = Path(__file__).resolve().parents[3]


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    write_box_keys(var_dir)  # the gateway's signing key, where `liaison up` would put it
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    return env | {"LIAISON_VAR": str(var_dir), "PYTHONPATH": str(ROOT)} | extra


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "services.gateway"], env=env, cwd=ROOT, capture_output=True, timeout=60, check=False
    )


def test_without_redis_it_exits_2_saying_what_to_set(tmp_path: Path) -> None:
    """No LIAISON_REDIS_URL and no embedded Redis: exit 2 with a message naming the variable."""
    done = _run(_env(tmp_path))
    assert done.returncode == 2
    assert b"LIAISON_REDIS_URL" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(("name", "value"), [("LIAISON_HTTP", "no-port"), ("LIAISON_HTTP_OUTCOME_TIMEOUT_S", "soon")])
def test_a_bad_setting_exits_2_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    """An unusable LIAISON_HTTP or outcome timeout is refused by name, without a traceback."""
    done = _run(_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1", **{name: value}))
    assert done.returncode == 2
    assert name.encode() in done.stderr
    assert b"Traceback" not in done.stderr


def test_an_address_in_use_exits_2_saying_so(tmp_path: Path) -> None:
    """When LIAISON_HTTP's port is taken, exit 2 naming the address and the variable."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run(_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1", LIAISON_HTTP=f"127.0.0.1:{port}"))
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}".encode() in done.stderr
    assert b"LIAISON_HTTP" in done.stderr
    assert b"Traceback" not in done.stderr


async def test_it_serves_and_stops_on_sigterm_with_a_stream_open(
    store: EventStore, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The process serves on LIAISON_HTTP, logs JSON lines (a client's malformed request as one warning, no
    traceback), and exits 0 on SIGTERM even with an update stream open."""
    port = free_port()
    env = _env(tmp_path, LIAISON_REDIS_URL=redis_server.url, LIAISON_HTTP=f"127.0.0.1:{port}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.gateway", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    viewer = (await tokens.issue(store.redis, "VN-LC-IBGS", "viewer")).token
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {viewer}"}) as session:
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with session.get(f"{base}/openapi.json") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline, "the gateway never listened"
                    await asyncio.sleep(0.1)
            # A client's malformed request: answered 400, logged as one warning line, never a traceback.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\x01: y\r\n\r\n")
            assert (await reader.readline()).startswith(b"HTTP/1.0 400")
            writer.close()
            async with session.get(f"{base}/v1/updates") as stream:
                assert stream.status == 200
                assert await stream.content.readline() == b"retry: 1000\n"
                process.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stderr is not None
    log = (await process.stderr.read()).decode()
    assert '"event": "listening"' in log
    assert f"http://127.0.0.1:{port}/" in log
    assert "Traceback" not in log
    assert "bad request from a client, answered 400" in log

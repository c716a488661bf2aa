"""Running an intake service (hotline, incidents) in-process or as ``python -m services.<name>``, and feeding it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from faststream import FastStream
from redis.asyncio import Redis

from shared.redis_client import client_of
from tests.signing import register_test_keys, signed, write_box_keys

Config = TypeVar("Config")
Service = TypeVar("Service")


@asynccontextmanager
async def app_running(build: Callable[[Config], tuple[FastStream, Service]], config: Config) -> AsyncIterator[Service]:
    """Register the test keys, start the app ``build`` makes of ``config`` in this event loop and yield its service;
    stopped on exit."""
    client = client_of(config.redis_url)  # type: ignore[attr-defined]
    try:
        await register_test_keys(client)
    finally:
        await client.aclose()
    app, service = build(config)
    await app.start()
    try:
        yield service
    finally:
        await app.stop()


async def send_to(redis: Redis, intake: str, report: dict[str, Any] | bytes) -> bytes:
    """Put one report on an intake stream in the documented format, signed by its unit's test key; its entry id."""
    entry_id: bytes = await redis.xadd(intake, signed(report))  # type: ignore[arg-type]
    return entry_id


def main_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any LIAISON_ setting, with LIAISON_VAR at ``var_dir`` and ``extra``."""
    write_box_keys(var_dir)  # the services' signing keys, where `liaison up` would put them
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    return env | {"LIAISON_VAR": str(var_dir)} | extra


def run_main(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m services.<service>`` to its end (at most a minute), capturing what it prints."""
    return subprocess.run([sys.executable, "-m", f"services.{service}"], env=env, capture_output=True, timeout=60,
                          check=False)

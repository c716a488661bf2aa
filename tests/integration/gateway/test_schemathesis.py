"""schemathesis against the served ``/openapi.json``: a real gateway, the hotline and projections on real Redis.

Every operation of the document is exercised by schemathesis's engine (the one its CLI runs:
examples, coverage and fuzzing phases) with every check on, a fixed seed and a bounded number of
examples, over a real socket (aiohttp's test server listens on a free port; schemathesis cannot
run an aiohttp app in-process). Reads and reports carry an officer's token of a seed unit, the
vault and the metrics an operator's. Any failure is a place where the document does not tell the
truth about an answer the gateway gave: the test lists them all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from redis.asyncio import Redis
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events as st_events

from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.gateway.conftest import (
    AuthedClient,
    Client,
    gateway_client,
    gateway_config,
    hotline_running,
    incidents_running,
    post,
    projected,
    projections_running,
)
from tests.unit.hotline.reports import log_call

SEED = 20261206
MAX_EXAMPLES = 25
"""Fuzzed examples per operation (the coverage phase adds its boundary cases): 25 keeps the run near 15 s of the
suite's 10-minute budget (50 took 32 s on this machine under the full suite's load)."""
UNIT = "VN-LC-IBGS"
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""What schemathesis takes as accepting a schema-valid request (its default for positive_data_acceptance)."""
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
"""What schemathesis takes as refusing a schema-violating request (its default for negative_data_rejection)."""


@dataclass
class Run:
    """What one schemathesis run did: cases sent, failures found (operation, check, message), time taken."""

    cases: int
    failures: list[str]
    stop_reason: str
    errors: list[str]
    seconds: float


def _config(base_url: str, officer: str, operator: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "base-url": base_url,
        "headers": {"Authorization": f"Bearer {officer}"},
        "request-timeout": 5,
        "continue-on-failure": True,  # every failure of an operation, not just its first
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "checks": {"enabled": True},
        "operations": [
            {"include-path": "/metrics", "headers": {"Authorization": f"Bearer {operator}"}},
            # A name must be one the names index can protect (2 to 16 words), a birth date a real day since
            # 1900: rules the document states in words, which no JSON Schema keyword can express.
            # Past its size limit a body is 413, whatever else is wrong with it (bytes: no JSON Schema keyword).
            {"include-path": "/v1/persons", "headers": {"Authorization": f"Bearer {operator}"},
             "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]},
                        "negative_data_rejection": {"expected-statuses": [*REJECTED, "413"]}}},
            {"include-path": "/v1/commands",
             "checks": {"negative_data_rejection": {"expected-statuses": [*REJECTED, "413"]}}},
            # An update stream never ends: its first event (ready) is enough to check the stream's shape. A
            # position must name as many partitions as the store has, which the document says in words.
            {"include-path": "/v1/updates", "max-stream-events": 1, "request-timeout": 2,
             "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}}},
        ],
    })


def _run(document: dict[str, Any], base_url: str, officer: str, operator: str) -> Run:
    started = time.monotonic()
    schema = schemathesis.openapi.from_dict(document, config=_config(base_url, officer, operator))
    cases = 0
    failures: list[str] = []
    errors: list[str] = []
    stop_reason = "none"
    for event in from_schema(schema).execute():
        if isinstance(event, st_events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(f"{event.recorder.label}: {check.name}: {failure.title}: {failure.message}"
                                        f"\n{check.failure_info.code_sample}")
        elif isinstance(event, st_events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, st_events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, st_events.EngineFinished):
            stop_reason = str(event.stop_reason)
    return Run(cases, sorted(set(failures)), stop_reason, errors, time.monotonic() - started)


@pytest.fixture
async def gateway(redis: Redis, store: EventStore, redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Client]:
    """The whole system: the hotline, projections and the gateway in-process, the incidents service as a process
    (so /health is healthy and every report is answered), with a rate high enough that the run meets the
    handlers, not the limiter."""
    url = redis_server.url
    config = gateway_config(url, rate_per_s=100_000.0, rate_burst=100_000.0)
    async with (incidents_running(url, tmp_path), hotline_running(url), projections_running(store),
                gateway_client(config) as client):
        yield client


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_schemathesis_finds_nothing(gateway: Client, store: EventStore) -> None:
    """Every answer the gateway gives fits what /openapi.json declares for it: status, headers, content type, body."""
    status, _ = await post(gateway, log_call("st-seed-case"))  # one case, so views and events are served too
    assert status == 200
    await projected(store)
    assert isinstance(gateway, AuthedClient)
    officer = await gateway.officer(UNIT)
    operator = gateway.tokens["operator"]
    response = await gateway.get("/openapi.json", headers={"Authorization": f"Bearer {officer}"})
    document = await response.json()
    base_url = str(gateway.make_url("")).rstrip("/")
    run = await asyncio.to_thread(_run, document, base_url, officer, operator)
    print(f"schemathesis {schemathesis.__version__}: {run.cases} cases, {len(run.failures)} failures, "
          f"{run.seconds:.1f} s, stopped: {run.stop_reason}")
    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, f"{len(run.failures)} failures:\n\n" + "\n\n".join(run.failures)
    assert run.stop_reason == "completed", run
    assert run.cases > 1000, run

"""A liaison officer's tool written with FastStream publishes reports as FastStream does, and gets its answers."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.access.key_files import key_files
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from tests.integration.hotline.conftest import RunHotline, outcome_of, run_hotline  # noqa: F401 - a fixture
from tests.integration.incidents.conftest import RunIncidents, run_incidents  # noqa: F401 - a fixture
from tests.signing import KEYS
from tests.unit.hotline.reports import log_call
from tests.unit.incidents import incident_reports as inc


def _key_file(unit: str) -> bytes:
    """The unit's private key file as ``liaison keygen`` writes it (its test key, registered by the fixtures)."""
    return key_files(unit, KEYS[unit])[0]


async def _publish(url: str, stream: str, key_file: bytes | None, *reports: Any) -> None:
    """The code of docs/clients.md: encode, sign those bytes, ``broker.publish(body, stream=..., headers=...)``."""
    async with RedisBroker(url) as broker:
        for report in reports:
            body = json.dumps(report).encode()
            if key_file is None:  # a tool that does not sign
                await broker.publish(body, stream=stream)
                continue
            key: Any = serialization.load_pem_private_key(key_file, password=None)
            raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            key_id = hashlib.sha256(raw_public).hexdigest()
            signature = base64.b64encode(key.sign(b"liaison report v1\n" + body)).decode()
            await broker.publish(body, stream=stream, headers={"signature": f"ed25519:{key_id}:{signature}"})


async def test_a_report_published_by_faststream_is_decided_and_answered(
    redis: Redis, redis_server: RedisServer, run_hotline: RunHotline  # noqa: F811
) -> None:
    """A signed LogCall published with FastStream's RedisBroker (one ``__data__`` field, the signature in its headers)
    is accepted and its proof kept; one whose body is not a valid report but names its command id is answered
    ``malformed``, and an unsigned one ``unsigned``, rather than left unanswered."""
    key = _key_file("VN-LC-IBGS")
    async with run_hotline():
        await _publish(redis_server.url, keys.intake("hotline"), key, log_call("fs-call"),
                       {"type": "LogCall", "command_id": "fs-broken"})
        await _publish(redis_server.url, keys.intake("hotline"), None, log_call("fs-unsigned"))
        good = await outcome_of(redis, "fs-call")
        bad = await outcome_of(redis, "fs-broken")
        unsigned = await outcome_of(redis, "fs-unsigned")
    assert good.status == "accepted"
    assert bad.reason is not None
    assert (bad.status, bad.reason.code) == ("rejected", "malformed")
    assert unsigned.reason is not None
    assert (unsigned.status, unsigned.reason.code) == ("rejected", "unsigned")
    [dead] = [f for _, f in await redis.xrange(keys.dead_letters("hotline")) if f.get(b"command_id") == b"fs-unsigned"]
    assert dead[b"sha256"].decode() == hashlib.sha256(json.dumps(log_call("fs-unsigned")).encode()).hexdigest(), \
        "the withheld dead letter names the report by the hash of its body, not of the empty report field"
    assert good.case_id is not None
    first = (await (await EventStore.open(redis)).read_case(good.case_id))[0].event()
    assert first.proof is not None
    assert json.loads(first.proof.report) == log_call("fs-call")
    fields = [f for _, f in await redis.xrange(keys.intake("hotline"))]
    assert fields
    assert all(set(f) == {b"__data__"} for f in fields), "the entries are FastStream's own format, untouched"


async def test_the_incidents_service_reads_faststream_reports_too(
    redis: Redis, redis_server: RedisServer, run_incidents: RunIncidents  # noqa: F811
) -> None:
    """An incident raised by a FastStream tool is accepted by the incidents service (the same intake reader)."""
    incident = inc.raise_incident(command_id="fs-incident")
    async with run_incidents():
        await _publish(redis_server.url, keys.intake("incidents"), _key_file(incident["unit"]), incident)
        answer = await outcome_of(redis, "fs-incident")
    assert answer.status == "accepted"

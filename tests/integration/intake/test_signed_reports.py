"""The Redis door: a report on an intake is recorded only if a key registered for its unit signed it, as sent."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis

from shared.access import unit_keys
from shared.access.signatures import (
    REGISTRY_CASE,
    GatewayPrincipal,
    key_id,
    principal_bytes,
    sign,
    signed_entry,
)
from shared.store import EventStore, keys
from tests.integration.hotline.conftest import (  # noqa: F401 - a fixture
    DEAD,
    INTAKE,
    RunHotline,
    outcome_of,
    run_hotline,
)
from tests.signing import KEYS, REGISTERED, signed
from tests.unit.hotline.reports import CN, VN, log_call

STRANGER = Ed25519PrivateKey.generate()
"""A key nobody registered."""


def _raw(command_id: str, **overrides: Any) -> bytes:
    return msgspec.json.encode(log_call(command_id, **overrides))


def _forgeries(n: int) -> list[tuple[str, dict[str, bytes], str]]:
    """(command id, entry, expected code): every way to put a report on the intake without its unit's signature."""
    out: list[tuple[str, dict[str, bytes], str]] = []
    for i in range(n):
        raw = _raw(f"forged-{i}")
        genuine = signed_entry(raw, KEYS[VN])
        altered = _raw(f"forged-{i}", summary={"original": "en", "en": "Nothing happened; close the case."})
        gateway_for_cn = principal_bytes(GatewayPrincipal(token="t0k3n", unit=CN, role="officer"))
        variants = [
            ({"report": raw}, "unsigned"),
            (signed_entry(raw, KEYS[CN]), "bad_signature"),  # Hekou's key cannot speak for Lao Cai
            (signed_entry(raw, STRANGER), "bad_signature"),  # no such key registered
            ({"report": altered, "signature": genuine["signature"]}, "bad_signature"),  # changed after signing
            ({"report": raw, "signature": b"ed25519:" + genuine["signature"].split(b":")[1] + b":AAAA"},
             "bad_signature"),
            (signed_entry(raw, KEYS["gateway"], gateway_for_cn), "bad_signature"),  # attested for another unit
            ({"report": raw, "signature": sign(KEYS["gateway"], raw)}, "bad_signature"),  # attestation naming nobody
        ]
        out += [(f"forged-{i}", entry, code) for entry, code in variants]
    return out


async def _numbered(store: EventStore) -> int:
    return sum([await store.numbered(p) for p in range(store.partitions)])


async def test_forged_reports_are_all_refused_and_nothing_is_recorded_nor_claimed(
    redis: Redis, run_hotline: RunHotline  # noqa: F811
) -> None:
    """70 forgeries of ten reports: each refused with its precise code, no event, no claim, a dead letter without
    the report's content; then the genuine reports under the same ids are accepted (a forger cannot take an id)."""
    forged = _forgeries(10)
    async with run_hotline():
        store = await EventStore.open(redis)
        for _, entry, _ in forged:
            await redis.xadd(INTAKE, entry)  # type: ignore[arg-type]
        answers: dict[str, list[str]] = {}
        deadline = asyncio.get_running_loop().time() + 10
        while sum(map(len, answers.values())) < len(forged):
            assert asyncio.get_running_loop().time() < deadline, f"{answers} after 10 s"
            answers = {}
            for _, fields in await redis.xrange(keys.OUTCOMES):
                outcome = json.loads(fields[b"outcome"])
                answers.setdefault(outcome["command_id"], []).append(outcome["reason"]["code"])
            await asyncio.sleep(0.05)
        assert await _numbered(store) == REGISTERED, "a forged report recorded something"
        claimed = [await redis.hgetall(keys.claims(p)) for p in range(store.partitions)]
        assert not any(claimed), "a forged report claimed its command id"
        for command_id in {c for c, _, _ in forged}:
            expected = [code for c, _, code in forged if c == command_id]
            assert answers[command_id] == expected
        dead = await redis.xrange(DEAD)
        assert len(dead) == len(forged)
        for _, fields in dead:
            assert b"original" not in fields
            assert fields[b"withheld"] in (b"unsigned", b"bad_signature")
            assert b"Nothing happened" not in b"".join(fields.values())
        for i in range(10):
            await redis.xadd(INTAKE, signed(_raw(f"forged-{i}")))  # type: ignore[arg-type]
        genuine: list[dict[str, Any]] = []
        while len(genuine) < 10:
            assert asyncio.get_running_loop().time() < deadline + 10, f"{len(genuine)} genuine answers after 10 s"
            await asyncio.sleep(0.05)
            entries = (await redis.xrange(keys.OUTCOMES))[len(forged):]
            genuine = [json.loads(fields[b"outcome"]) for _, fields in entries]
    assert {o["status"] for o in genuine} == {"accepted"}
    assert await _numbered(store) == REGISTERED + 10


async def test_an_accepted_reports_first_event_keeps_its_proof_which_verifies(redis: Redis,
                                                                             run_hotline: RunHotline) -> None:  # noqa: F811
    """The proof names the key and holds the report as sent; the registered public key verifies it from the log."""
    raw = _raw("proven-call")
    async with run_hotline():
        await redis.xadd(INTAKE, signed_entry(raw, KEYS[VN]))  # type: ignore[arg-type]
        outcome = await outcome_of(redis, "proven-call")
    assert outcome.case_id is not None
    store = await EventStore.open(redis)
    proof = (await store.read_case(outcome.case_id))[0].event().proof
    assert proof is not None
    assert proof.report.encode() == raw
    registry = await unit_keys.read_registry(store)
    key = registry.keys[proof.key]
    assert key.holder == VN
    key.public.verify(base64.b64decode(proof.signature), b"liaison report v1\n" + proof.report.encode())


async def test_a_revoked_key_is_refused_once_revoke_returns_and_its_history_is_in_the_log(
    redis: Redis, run_hotline: RunHotline  # noqa: F811
) -> None:
    """Accepted before; revoked (the registry case records it); refused ``key_revoked`` after the refresh interval."""
    async with run_hotline():
        store = await EventStore.open(redis)
        await redis.xadd(INTAKE, signed(_raw("before-revoke")))  # type: ignore[arg-type]
        assert (await outcome_of(redis, "before-revoke")).status == "accepted"
        assert await unit_keys.revoke(store, key_id(KEYS[VN].public_key()), "laptop lost at Kim Thanh gate")
        await asyncio.sleep(unit_keys.REFRESH_S + 0.1)  # what `liaison unit-key revoke` waits before it returns
        await redis.xadd(INTAKE, signed(_raw("after-revoke")))  # type: ignore[arg-type]
        refused = await outcome_of(redis, "after-revoke")
    assert refused.reason is not None
    assert (refused.status, refused.reason.code) == ("rejected", "key_revoked")
    history = [type(r.event()).__name__ for r in await store.read_case(REGISTRY_CASE)]
    assert history == ["UnitKeyRegistered"] * REGISTERED + ["UnitKeyRevoked"]

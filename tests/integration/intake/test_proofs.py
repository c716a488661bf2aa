"""`liaison proofs`' check: every proof the intakes kept verifies; an event a compromised writer appended with a
proof that does not show its unit said it is found, whatever the way it was forged."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import msgspec
from redis.asyncio import Redis

from liaison.audit.proofs import check_proofs
from shared.access import unit_keys
from shared.access.signatures import REVOCATION_GRACE_MS, key_id, sign, signed_entry
from shared.events import AnyEvent
from shared.events.envelope import Proof
from shared.store import EventStore
from tests.integration.hotline.conftest import (  # noqa: F401 - a fixture
    INTAKE,
    RunHotline,
    outcome_of,
    run_hotline,
)
from tests.signing import KEYS, REGISTERED
from tests.unit.hotline.reports import CN, VN, log_call


async def _recorded(redis: Redis, run_hotline: RunHotline, n: int) -> list[AnyEvent]:  # noqa: F811
    """``n`` signed calls recorded by the hotline; their first events."""
    async with run_hotline():
        for i in range(n):
            await redis.xadd(INTAKE, signed_entry(msgspec.json.encode(log_call(f"proven-{i}")), KEYS[VN]))
        outcomes = [await outcome_of(redis, f"proven-{i}") for i in range(n)]
    store = await EventStore.open(redis)
    return [(await store.read_case(o.case_id or ""))[0].event() for o in outcomes]


async def _forge(store: EventStore, genuine: AnyEvent, case_id: str, proof: Proof, **changes: object) -> None:
    """Append, as a writer holding the append right could, a copy of ``genuine`` in a new case with ``proof``."""
    forged = msgspec.structs.replace(genuine, case_id=case_id, case_version=1, event_id=f"forged-{case_id}",
                                     proof=proof, **changes)
    await store.append(case_id, [forged], 0)


async def test_the_intakes_proofs_verify_and_every_forgery_is_found(redis: Redis,
                                                                    run_hotline: RunHotline) -> None:  # noqa: F811
    """Three genuine proofs verify and the key registrations are counted as events no report caused; five forged
    events are each found with their own problem: an altered report, a proof moved to another cause, another
    unit's key, a key used after its revocation (whatever time the event claims), and a proof on an event
    naming another officer."""
    genuine = await _recorded(redis, run_hotline, 3)
    store = await EventStore.open(redis)
    clean = await check_proofs(store)
    assert (clean.verified, clean.failures) == (3, [])
    assert clean.unproven == {"UnitKeyRegistered": REGISTERED}

    first = genuine[0]
    assert first.proof is not None
    altered = msgspec.structs.replace(first.proof, report=first.proof.report.replace("Officer A", "Officer B"))
    await _forge(store, first, "HL-FORGED00001", altered)
    await _forge(store, first, "HL-FORGED00002", first.proof, causation_id="another-report")
    raw = msgspec.json.encode(log_call("by-hekou"))
    hekou_signed = Proof(key=key_id(KEYS[CN].public_key()), signature=sign(KEYS[CN], raw).split(b":")[2].decode(),
                         report=raw.decode())
    await _forge(store, first, "HL-FORGED00003", hekou_signed, causation_id="by-hekou")
    await _forge(store, first, "HL-FORGED00005", first.proof, officer="Someone Else")
    assert await unit_keys.revoke(store, key_id(KEYS[VN].public_key()), "tablet lost")
    await asyncio.sleep(REVOCATION_GRACE_MS / 1000 + 0.2)  # past the window in which intakes still held the key
    late = msgspec.json.encode(log_call("after-revocation"))
    after = Proof(key=key_id(KEYS[VN].public_key()),
                  signature=base64.b64encode(KEYS[VN].sign(b"liaison report v1\n" + late)).decode(),
                  report=late.decode())
    # its recorded_at claims a time before the revocation: the check goes by log position, which Redis assigns
    await _forge(store, first, "HL-FORGED00004", after, causation_id="after-revocation",
                 recorded_at=first.recorded_at - timedelta(days=1))

    found = await check_proofs(store)
    assert found.verified == 3, "the genuine proofs still hold: they were signed before the revocation"
    problems = {f.case_id: f.problem for f in found.failures}
    assert set(problems) == {f"HL-FORGED0000{i}" for i in range(1, 6)}
    assert "does not verify" in problems["HL-FORGED00001"]
    assert "names as its cause" in problems["HL-FORGED00002"]
    assert "cannot sign for unit" in problems["HL-FORGED00003"]
    assert "was revoked" in problems["HL-FORGED00004"]
    assert "Someone Else" in problems["HL-FORGED00005"]

"""``POST /v1/commands`` against the real hotline: every status code of the contract, and resends."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import msgspec
from redis.asyncio import Redis

from services.hotline.domain import reasons as codes
from shared.access import unit_keys
from shared.access.signatures import key_id
from shared.outcomes import outcome_encoder, rejected
from shared.reports import MAX_REPORT_BYTES
from shared.store import EventStore, keys
from tests.integration.gateway.conftest import Client, post, resources
from tests.signing import KEYS
from tests.unit.hotline.reports import CN, VN, VN_OTHER, acknowledge, log_call

BareApi = Callable[..., AbstractAsyncContextManager[Client]]


async def test_an_accepted_report_answers_200_with_its_outcome(api: Client) -> None:
    """A valid report is answered 200 with the outcome: accepted, its case, version and recorded events."""
    status, body = await post(api, log_call("gw-accept"))
    assert status == 200
    assert body["status"] == "accepted"
    assert body["command_id"] == "gw-accept"
    assert body["version"] == 1
    assert [e["type"] for e in body["events"]] == ["HotlineCallLogged"]


async def test_a_resent_report_gets_the_same_outcome_and_records_nothing_new(api: Client, redis: Redis) -> None:
    """Sending the same report twice answers 200 twice with the same events; the log holds one event."""
    first = await post(api, log_call("gw-twice"))
    second = await post(api, log_call("gw-twice"))
    assert first == second
    assert first[0] == 200
    case_id = first[1]["case_id"]
    events = await api.get(f"/v1/cases/{case_id}/events")
    assert len(await events.json()) == 1


async def test_a_report_the_domain_refuses_answers_422_with_its_reason(api: Client) -> None:
    """A unit missing from the registry is a validation rejection: 422 with the code and a message naming it."""
    status, body = await post(api, log_call("gw-unknown-unit", caller_unit="XX-NOWHERE"))
    assert status == 422
    assert body["reason"]["code"] == codes.UNKNOWN_UNIT
    assert "XX-NOWHERE" in body["reason"]["message"]


async def test_a_report_the_service_cannot_read_answers_422_malformed(api: Client) -> None:
    """A report of a known type with a missing field reaches the service and comes back 422 ``malformed``."""
    report = log_call("gw-malformed")
    del report["summary"]
    status, body = await post(api, report)
    assert status == 422
    assert body["reason"]["code"] == codes.MALFORMED
    assert "summary" in body["reason"]["message"]


async def test_acting_for_a_unit_not_allowed_to_answers_403(api: Client) -> None:
    """The caller acknowledging its own call is 403 not_recipient; an outside unit is answered 422 unknown_case, as
    for a case that does not exist (need-to-know)."""
    status, body = await post(api, log_call("gw-call"))
    assert status == 200
    case_id, call_id = body["case_id"], body["events"][0]["event_id"]
    by_caller = acknowledge(case_id, call_id, "gw-ack-caller", unit=VN, at="2026-11-23T09:25:00+07:00")
    by_outsider = acknowledge(case_id, call_id, "gw-ack-outsider", unit=VN_OTHER, at="2026-11-23T09:25:00+07:00")
    assert await _code(api, by_caller) == (403, codes.NOT_RECIPIENT)
    assert await _code(api, by_outsider) == (422, codes.UNKNOWN_CASE)
    assert await _code(api, acknowledge(case_id, call_id, "gw-ack-callee", unit=CN)) == (200, None)


async def _code(api: Client, report: dict[str, Any]) -> tuple[int, str | None]:
    status, body = await post(api, report)
    return status, (body.get("reason") or {}).get("code")


async def test_bad_bodies_are_refused_before_any_service_sees_them(api: Client, redis: Redis) -> None:
    """Not JSON, not an object, no command_id, an unknown type: 422 naming the problem; nothing reaches the intake."""
    cases: list[tuple[bytes, str, str]] = [
        (b"{not json", "invalid_json", "JSON"),
        (b"[1, 2]", "invalid_json", "object"),
        (b'{"type": "LogCall"}', "invalid", "command_id"),
        (b'{"type": "Teleport", "command_id": "x"}', "unknown_type", "Teleport"),
    ]
    for body, code, mentioned in cases:
        status, answer = await post(api, body)
        assert status == 422, body
        assert answer["reason"]["code"] == code
        assert mentioned in answer["reason"]["message"]
    assert await redis.xlen(keys.intake("hotline")) == 0


async def test_a_report_over_64_kib_answers_413(api: Client, redis: Redis) -> None:
    """A body over the size limit is refused with 413 and the limit, and is not sent."""
    report = log_call("gw-large")
    report["officer"] = "x" * (MAX_REPORT_BYTES + 1)
    status, body = await post(api, report)
    assert status == 413
    assert body["reason"]["code"] == "too_large"
    assert str(MAX_REPORT_BYTES) in body["reason"]["message"]
    assert await redis.xlen(keys.intake("hotline")) == 0


async def _answer_as_service(redis: Redis, code: str) -> None:
    """Play the hotline service: read the one report on the intake and write a rejection with ``code``."""
    for _ in range(250):
        entries: Any = await redis.xrange(keys.intake("hotline"))
        if entries:
            report = msgspec.json.decode(entries[0][1][b"report"])
            outcome = rejected(report["command_id"], code, f"stand-in rejection {code}")
            fields = {"command_id": report["command_id"], "outcome": outcome_encoder.encode(outcome)}
            await redis.xadd(keys.OUTCOMES, fields)
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the gateway never put the report on the intake")


async def test_each_reason_code_is_answered_with_its_status(bare_api: BareApi, redis: Redis) -> None:
    """Outcomes read from the stream map to 409 (version conflict), 403, 422, 500, and 422 for a code never seen."""
    expected = {
        codes.VERSION_CONFLICT: 409,
        codes.NOT_CALLER: 403,
        codes.ALREADY_CONFIRMED: 422,
        codes.PROCESSING_FAILED: 500,
        "a_code_from_the_future": 422,
    }
    async with bare_api() as client:
        for code, http_status in expected.items():
            await redis.delete(keys.intake("hotline"))
            answered = asyncio.create_task(_answer_as_service(redis, code))
            status, body = await post(client, log_call(f"gw-{code}"))
            await answered
            assert (status, body["reason"]["code"]) == (http_status, code)


async def test_no_outcome_in_time_answers_504_saying_a_resend_is_safe(bare_api: BareApi, redis: Redis) -> None:
    """With no service running, the report waits its bounded time and is answered 504 ``no_outcome``."""
    async with bare_api(outcome_timeout_s=0.3) as client:
        status, body = await post(client, log_call("gw-nobody"))
        assert status == 504
        assert body["reason"]["code"] == "no_outcome"
        assert "safe" in body["reason"]["message"]
        assert await redis.xlen(keys.intake("hotline")) == 1
        assert resources(client).waiter.waiting == 0


async def test_unknown_routes_and_methods_answer_json(api: Client) -> None:
    """A path nobody serves is a JSON 404 and a wrong method a JSON 405, each with a reason; a 405 names the methods
    the route takes in ``Allow`` (RFC 9110)."""
    missing = await api.get("/v1/nothing-here")
    assert missing.status == 404
    assert (await missing.json())["reason"]["code"] == "not_found"
    wrong = await api.get("/v1/commands")
    assert wrong.status == 405
    assert (await wrong.json())["reason"]["code"] == "method_not_allowed"
    assert wrong.headers["Allow"] == "POST"


async def test_an_unreadable_outcome_entry_does_not_stop_the_answers(bare_api: BareApi, redis: Redis) -> None:
    """An outcomes entry some other tool wrote badly (not UTF-8, no fields) is skipped; later outcomes still answer."""
    async with bare_api() as client:
        await asyncio.wait_for(resources(client).waiter.ready.wait(), 5)  # junk goes after the reader's start
        await redis.xadd(keys.OUTCOMES, {"command_id": b"\xff\xfe", "outcome": b"{"})
        await redis.xadd(keys.OUTCOMES, {"junk": "1"})
        answered = asyncio.create_task(_answer_as_service(redis, codes.NOT_CALLER))
        status, body = await post(client, log_call("gw-after-junk"))
        await answered
        assert (status, body["reason"]["code"]) == (403, codes.NOT_CALLER)


async def test_the_gateway_attests_for_the_token_it_checked_and_its_proof_names_that_token(
    api: Client, redis: Redis
) -> None:
    """The first event keeps the gateway's attestation: its key, the report as posted, the token's id, unit and role;
    the signature verifies with the gateway's registered key."""
    status, body = await post(api, log_call("gw-attested"))
    assert status == 200
    store = await EventStore.open(redis)
    proof = (await store.read_case(body["case_id"]))[0].event().proof
    assert proof is not None
    assert proof.principal is not None
    principal = json.loads(proof.principal)
    token_id = api.tokens[f"officer:{VN}"].split("_")[1]
    assert principal == {"role": "officer", "token": token_id, "unit": VN}
    assert json.loads(proof.report) == log_call("gw-attested")
    registry = await unit_keys.read_registry(store)
    assert registry.keys[proof.key].holder == "gateway"
    message = b"liaison attested report v1\n" + proof.principal.encode() + b"\n" + proof.report.encode()
    KEYS["gateway"].public_key().verify(base64.b64decode(proof.signature), message)


async def test_a_gateway_whose_key_was_revoked_answers_503_and_records_nothing(api: Client, redis: Redis) -> None:
    """Its attestation is refused ``key_revoked``: the gateway, not the report, is at fault (503); nothing recorded."""
    store = await EventStore.open(redis)
    before = sum([await store.numbered(p) for p in range(store.partitions)])
    assert await unit_keys.revoke(store, key_id(KEYS["gateway"].public_key()), "gateway host rebuilt")
    await asyncio.sleep(unit_keys.REFRESH_S + 0.1)  # every intake has read the revocation
    status, body = await post(api, log_call("gw-revoked"))
    assert status == 503
    assert body["reason"]["code"] == "key_revoked"
    assert sum([await store.numbered(p) for p in range(store.partitions)]) == before + 1  # the revocation only


async def test_an_unsigned_copy_put_on_the_intake_first_does_not_answer_the_genuine_report(
    api: Client, redis: Redis
) -> None:
    """A tool with intake access writes an unsigned copy of a report just before the gateway forwards it: the copy
    is refused ``unsigned``, and the gateway answers its own entry's outcome (accepted), not the copy's."""
    report = log_call("gw-spoofed")
    await redis.xadd(keys.intake("hotline"), {"report": msgspec.json.encode(report)})
    status, body = await post(api, report)
    assert status == 200, body
    assert body["status"] == "accepted"
    answers = [json.loads(f[b"outcome"]) for _, f in await redis.xrange(keys.OUTCOMES)
               if f[b"command_id"] == b"gw-spoofed"]
    assert [a["status"] for a in answers] == ["rejected", "accepted"]
    assert answers[0]["reason"]["code"] == "unsigned"

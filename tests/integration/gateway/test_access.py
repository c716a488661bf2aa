"""The HTTP door: bearer tokens, the role matrix, a report's unit, what a unit may read, rates (real Redis, HTTP)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from services.gateway.updates import STREAMS_PER_TOKEN
from shared.access import tokens
from shared.access.principals import ROLES
from shared.store import keys
from tests.integration.gateway.conftest import Client, EventStream, post, projected
from tests.unit.hotline.reports import acknowledge, log_call, send_letter
from tests.unit.incidents import incident_reports as inc
from tests.unit.incidents.reports import Case as IncidentCase

VN = "VN-LC-IBGS"
"""Lao Cai International Border Gate station: party to the test calls (with Hekou)."""
OUTSIDER = "CN-HH-BMT"
"""Hong Ha border management team: party to none of them."""

ROUTES = [
    ("POST", "/v1/commands"), ("POST", "/v1/persons"), ("GET", "/v1/cases"), ("GET", "/v1/cases/HL-X"),
    ("GET", "/v1/cases/HL-X/events"), ("GET", "/metrics"), ("GET", "/openapi.json"),
]
ALLOWED = {
    "officer": {("POST", "/v1/commands"), ("GET", "/v1/cases"), ("GET", "/v1/cases/HL-X"),
                ("GET", "/v1/cases/HL-X/events"), ("GET", "/openapi.json")},
    "viewer": {("GET", "/v1/cases"), ("GET", "/v1/cases/HL-X"), ("GET", "/v1/cases/HL-X/events"),
               ("GET", "/openapi.json")},
    "auditor": {("GET", "/v1/cases"), ("GET", "/v1/cases/HL-X"), ("GET", "/v1/cases/HL-X/events"),
                ("GET", "/openapi.json")},
    "operator": {("POST", "/v1/persons"), ("GET", "/metrics"), ("GET", "/openapi.json")},
}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _status(api: Client, method: str, path: str, token: str | None) -> int:
    headers = {} if token is None else _bearer(token)
    body: Any = b'{"name": "Lo Thi Senh"}' if path == "/v1/persons" else b"{}"
    response = await api.request(method, path, headers=headers, data=body if method == "POST" else None)
    return response.status


async def test_every_route_but_health_and_the_board_files_needs_a_token(api: Client) -> None:
    """Without a token each data route is 401 with a Bearer challenge; /health and the board's files are served."""
    for method, path in [*ROUTES, ("GET", "/v1/updates")]:
        response = await api.request(method, path, headers={"Authorization": ""})
        assert response.status == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["reason"]["code"] == "unauthorized"
    for path in ("/health", "/", "/static/app.js"):  # /health may say 503 here: no incidents service runs
        assert (await api.get(path, headers={"Authorization": ""})).status not in (401, 403), path


@pytest.mark.parametrize("role", ROLES)
async def test_the_role_matrix(api: Client, redis: Redis, role: str) -> None:
    """Each role reaches exactly its routes; every other route answers 403 (never 401, never served)."""
    token = (await tokens.issue(redis, VN, role)).token
    for method, path in ROUTES:
        status = await _status(api, method, path, token)
        if (method, path) in ALLOWED[role]:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


async def test_unknown_revoked_and_expired_tokens_are_401_at_once(api: Client, redis: Redis) -> None:
    """A token nobody issued, a revoked one (from the next request on) and an expired one are 401 invalid_token."""
    issued = await tokens.issue(redis, VN, "viewer")
    assert await _status(api, "GET", "/v1/cases", issued.token) == 200
    forged = issued.token[:-4] + ("AAAA" if not issued.token.endswith("AAAA") else "BBBB")
    assert await _status(api, "GET", "/v1/cases", forged) == 401
    await tokens.revoke(redis, issued.id)
    response = await api.get("/v1/cases", headers=_bearer(issued.token))
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "revoked" in (await response.json())["reason"]["message"]
    short = await tokens.issue(redis, VN, "viewer", timedelta(minutes=1))
    assert await _status(api, "GET", "/v1/cases", short.token) == 200
    record = msgspec.json.decode(await redis.hget(keys.TOKENS, short.id), type=tokens.Record)
    lapsed = msgspec.structs.replace(record, expires=datetime(2026, 1, 1, tzinfo=UTC))  # as if a minute had passed
    await redis.hset(keys.TOKENS, short.id, msgspec.json.encode(lapsed))
    expired = await api.get("/v1/cases", headers=_bearer(short.token))
    assert expired.status == 401
    assert "expired" in (await expired.json())["reason"]["message"]


async def test_a_report_must_be_of_the_tokens_unit(api: Client, redis: Redis) -> None:
    """An officer of Hekou posting a call as Lao Cai station is refused 403 not_your_unit, and nothing is recorded."""
    hekou = (await tokens.issue(redis, "CN-HK-IBCS", "officer")).token
    response = await api.post("/v1/commands", data=msgspec.json.encode(log_call("as-other")), headers=_bearer(hekou))
    body = await response.json()
    assert (response.status, body["reason"]["code"]) == (403, "not_your_unit")
    assert await redis.xlen("liaison:intake:hotline") == 0
    status, outcome = await post(api, log_call("as-self"))
    assert (status, outcome["status"]) == (200, "accepted")


async def test_a_unit_reads_only_the_cases_it_is_party_to(api: Client, redis: Redis, store: Any) -> None:
    """Lao Cai's viewer lists, reads and follows its call's case; Hong Ha's sees no case, 404 for it, no update."""
    party = (await tokens.issue(redis, VN, "viewer")).token
    outsider = (await tokens.issue(redis, OUTSIDER, "viewer")).token
    stream = await subscribe_as(api, outsider)
    status, outcome = await post(api, log_call("party-call"))
    assert status == 200
    case_id = outcome["case_id"]
    await projected(store)
    seen = await (await api.get("/v1/cases", headers=_bearer(party))).json()
    assert [v["case_id"] for v in seen] == [case_id]
    assert await (await api.get("/v1/cases", headers=_bearer(outsider))).json() == []
    for path in (f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/events"):
        assert (await api.get(path, headers=_bearer(party))).status == 200
        hidden = await api.get(path, headers=_bearer(outsider))
        assert hidden.status == 404
        assert (await hidden.json())["reason"]["code"] == "unknown_case"
    mine = await subscribe_as(api, party)
    await post(api, log_call("party-call-2", case_id=case_id))
    assert [e.json()["case_id"] for e in await mine.updates(1)] == [case_id]
    with pytest.raises(TimeoutError):
        await stream.updates(1, within=1.0)


async def subscribe_as(api: Client, token: str) -> Any:
    """A case-updates stream opened with this token."""
    response = await api.get("/v1/updates", headers=_bearer(token))
    assert response.status == 200
    stream = EventStream(response)
    ready = await stream.next()
    assert ready.event == "ready"
    stream.ready_id = ready.id or ""
    return stream


async def test_past_its_rate_a_token_gets_429_with_retry_after(bare_api: Any, redis: Redis) -> None:
    """With a rate of 1/s and a burst of 2, a token's third quick request is 429 with Retry-After; others go on."""
    async with bare_api(rate_per_s=1.0, rate_burst=2.0) as client:
        busy = (await tokens.issue(redis, VN, "viewer")).token
        other = (await tokens.issue(redis, OUTSIDER, "viewer")).token
        statuses = [await _status(client, "GET", "/openapi.json", busy) for _ in range(3)]
        assert statuses[:2] == [200, 200]
        assert statuses[2] == 429
        limited = await client.get("/openapi.json", headers=_bearer(busy))
        assert int(limited.headers["Retry-After"]) >= 1
        assert await _status(client, "GET", "/openapi.json", other) == 200


async def test_any_authorization_header_is_answered_401_never_a_failure(api: Client) -> None:
    """Whatever the Authorization header holds (text, bytes, near-tokens), the answer is 401 naming the problem."""
    headers: list[str] = []

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(st.one_of(
        st.text(max_size=120),
        st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
        st.from_regex(r"\A[Bb]earer lsn_[a-z0-9]{0,14}_[A-Za-z0-9_-]{0,50}\Z"),
    ))
    def collect(header: str) -> None:
        # The client refuses control characters in a header (header injection): they never reach a server.
        headers.append("".join(c for c in header if c >= " " and c != "\x7f").strip() or "x")

    collect()
    for header in headers:
        response = await api.get("/v1/cases", headers={"Authorization": header})
        assert response.status == 401, header
        assert (await response.json())["reason"]["code"] == "unauthorized"


async def _mixed_case(api: Client, store: Any) -> tuple[str, list[str]]:
    """A call (H1) from Lao Cai station to Hekou, then Lao Cai's letter marked H2 (Vietnam only), then Hekou's
    acknowledgement of the call marked H3 (Hekou only); the case id and the three event ids."""
    status, call = await post(api, log_call("mixed-call", urgent=False, written_confirmation_required=False))
    assert status == 200
    case_id = call["case_id"]
    _, letter = await post(api, send_letter("mixed-letter", case_id=case_id, reference="LC/2026/H2", handling="H2"))
    _, ack = await post(api, acknowledge(case_id, call["events"][0]["event_id"], "mixed-ack", handling="H3"))
    assert (letter["status"], ack["status"]) == ("accepted", "accepted"), (letter, ack)
    await projected(store)
    return case_id, [call["events"][0]["event_id"], letter["events"][0]["event_id"], ack["events"][0]["event_id"]]


async def test_each_side_sees_a_case_folded_from_the_events_its_handling_codes_allow(
    api: Client, redis: Redis, store: Any
) -> None:
    """Hekou sees the call and its own H3 acknowledgement but not Lao Cai's H2 letter; Lao Cai sees the call and
    its letter but not Hekou's H3 acknowledgement; each view's counts, obligations and version come from those
    events alone, in the list, the case and its events, numbered for the reader (Hekou's second event is its
    version 2, with no chain link or partition number to show a gap); an auditor sees all three, chained."""
    case_id, (call, letter, ack) = await _mixed_case(api, store)
    hekou = (await tokens.issue(redis, "CN-HK-IBCS", "viewer")).token
    lao_cai = (await tokens.issue(redis, VN, "viewer")).token
    auditor = (await tokens.issue(redis, OUTSIDER, "auditor")).token
    expected = {
        hekou: ([call, ack], {"calls": 1, "letters_sent": 0, "acknowledgements": 1}, 2),
        lao_cai: ([call, letter], {"calls": 1, "letters_sent": 1, "acknowledgements": 0}, 2),
        auditor: ([call, letter, ack], {"calls": 1, "letters_sent": 1, "acknowledgements": 1}, 3),
    }
    for token, (events, counts, version) in expected.items():
        listed = await (await api.get("/v1/cases?kind=hotline", headers=_bearer(token))).json()
        one = await (await api.get(f"/v1/cases/{case_id}", headers=_bearer(token))).json()
        logged = await (await api.get(f"/v1/cases/{case_id}/events", headers=_bearer(token))).json()
        assert [v["case_id"] for v in listed] == [case_id]
        assert listed[0] == one
        assert {k: one["counts"].get(k, 0) for k in counts} == counts
        assert one["version"] == version
        assert [e["event"]["event_id"] for e in logged] == events
        assert [e["event"]["case_version"] for e in logged] == list(range(1, version + 1))
        chain_fields = {"number", "prev", "hash"}
        if token == auditor:
            assert all(chain_fields <= set(e) for e in logged)
        else:
            assert not any(chain_fields & set(e) for e in logged), "a link or a number would show the gap"
    lao_cai_view = await (await api.get(f"/v1/cases/{case_id}", headers=_bearer(lao_cai))).json()
    assert [o["kind"] for o in lao_cai_view["obligations"]] == ["acknowledgement", "acknowledgement"], \
        "for Lao Cai the call is still unacknowledged: the acknowledgement it may not see does not settle it"


async def test_an_update_made_by_an_event_a_unit_may_not_see_is_not_sent_to_it(
    api: Client, redis: Redis, store: Any
) -> None:
    """Following the case, Lao Cai gets no update for Hekou's H3 acknowledgement, and Hekou none for Lao Cai's H2
    letter; each gets the updates of the events it may see."""
    lao_cai = await subscribe_as(api, (await tokens.issue(redis, VN, "viewer")).token)
    hekou = await subscribe_as(api, (await tokens.issue(redis, "CN-HK-IBCS", "viewer")).token)
    await _mixed_case(api, store)
    seen_by_lao_cai = [e.json()["view"]["counts"] for e in await lao_cai.updates(2)]
    hekou_updates = [e.json() for e in await hekou.updates(2)]
    seen_by_hekou = [u["view"]["counts"] for u in hekou_updates]
    assert [c.get("letters_sent", 0) for c in seen_by_lao_cai] == [0, 1]
    assert [c.get("acknowledgements", 0) for c in seen_by_hekou] == [0, 1]
    # numbered for Hekou: its acknowledgement is the case's third event but the second it may see
    assert [(u["version"], u["view"]["version"]) for u in hekou_updates] == [(1, 1), (2, 2)]
    with pytest.raises(TimeoutError):
        await lao_cai.updates(1, within=1.0)
    with pytest.raises(TimeoutError):
        await hekou.updates(1, within=1.0)


async def test_a_case_whose_visible_events_cannot_be_folded_alone_fails_only_itself(
    api: Client, redis: Redis, store: Any
) -> None:
    """An incident raised H2 by Lao Cai and acknowledged by Hekou: Hekou sees only an acknowledgement of an
    incident it cannot see raised, so that case is absent for Hekou (404), while its list, its other cases and
    its update stream go on (no 500, no broken stream)."""
    incident = IncidentCase()
    raised = incident.do(inc.raise_incident(handling="H2"))
    acknowledged = incident.do(inc.acknowledge())
    await store.append(incident.case_id, raised, 0)
    await store.append(incident.case_id, acknowledged, len(raised))
    status, call = await post(api, log_call("hekou-visible"))
    assert status == 200
    await projected(store)
    hekou = (await tokens.issue(redis, "CN-HK-IBCS", "viewer")).token
    listed = await api.get("/v1/cases", headers=_bearer(hekou))
    assert listed.status == 200
    assert [v["case_id"] for v in await listed.json()] == [call["case_id"]]
    assert (await api.get(f"/v1/cases/{incident.case_id}", headers=_bearer(hekou))).status == 404
    assert (await api.get(f"/v1/cases/{call['case_id']}", headers=_bearer(hekou))).status == 200


async def test_a_resumed_stream_gets_every_update_a_unit_may_see_even_when_the_case_moved_on(
    api: Client, redis: Redis, store: Any
) -> None:
    """Hekou resumes after a call (v1), its own H3 acknowledgement (v2) and Lao Cai's letter (v3) were folded: it
    gets all three updates, each as the case stood then (an update is folded to its own version)."""
    hekou = (await tokens.issue(redis, "CN-HK-IBCS", "viewer")).token
    before = await subscribe_as(api, hekou)
    resume_from = before.ready_id
    before.response.close()
    _, call = await post(api, log_call("moved-call", urgent=False, written_confirmation_required=False))
    case_id = call["case_id"]
    await post(api, acknowledge(case_id, call["events"][0]["event_id"], "moved-ack", handling="H3"))
    await post(api, send_letter("moved-letter", case_id=case_id, reference="LC/2026/M"))
    await projected(store)
    response = await api.get("/v1/updates", headers=_bearer(hekou) | {"Last-Event-ID": resume_from})
    stream = EventStream(response)
    assert (await stream.next()).event == "ready"
    versions = [e.json()["view"]["version"] for e in await stream.updates(3)]
    assert versions == [1, 2, 3]


async def test_a_revoked_tokens_open_stream_ends_within_a_second(api: Client, redis: Redis) -> None:
    """Revoking a token ends the update stream it holds open with an ``unauthorized`` event; nothing more is sent."""
    issued = await tokens.issue(redis, VN, "viewer")
    stream = await subscribe_as(api, issued.token)
    await tokens.revoke(redis, issued.id)
    ended = await stream.next(within=3.0)
    assert ended.event == "unauthorized"
    with pytest.raises(EOFError):
        await stream.next(within=3.0)


async def test_one_token_cannot_take_every_update_stream(api: Client, redis: Redis) -> None:
    """Past its own limit a token's next stream is 429 with Retry-After, while another unit's token still gets one."""
    busy = (await tokens.issue(redis, VN, "viewer")).token
    held = [await subscribe_as(api, busy) for _ in range(STREAMS_PER_TOKEN)]
    refused = await api.get("/v1/updates", headers=_bearer(busy))
    assert refused.status == 429
    assert (await refused.json())["reason"]["code"] == "too_many_streams"
    assert "Retry-After" in refused.headers
    other = await subscribe_as(api, (await tokens.issue(redis, OUTSIDER, "viewer")).token)
    for stream in [*held, other]:
        stream.response.close()


async def test_every_cross_border_read_is_recorded_with_who_what_and_its_hash(
    api: Client, redis: Redis, store: Any
) -> None:
    """Lao Cai's viewer shown a case Hekou is party to leaves one disclosure (its token, unit, the case, the SHA-256
    of what it was shown); the same bytes shown again (the case read alone, the list reloaded ten times) add none,
    and events only Lao Cai recorded add none."""
    case_id, _ = await _mixed_case(api, store)
    lao_cai = await tokens.issue(redis, VN, "viewer")
    disclosures = store.keys(store.partition_of(case_id)).disclosures
    before = await redis.xlen(disclosures)
    listed = await api.get("/v1/cases", headers=_bearer(lao_cai.token))
    one = await api.get(f"/v1/cases/{case_id}", headers=_bearer(lao_cai.token))
    events = await api.get(f"/v1/cases/{case_id}/events", headers=_bearer(lao_cai.token))
    for _ in range(10):
        assert (await api.get("/v1/cases", headers=_bearer(lao_cai.token))).status == 200
    assert (listed.status, one.status, events.status) == (200, 200, 200)
    recorded = [fields for _, fields in await redis.xrange(disclosures)][before:]
    assert [(f[b"token"].decode(), f[b"unit"].decode(), f[b"case_id"].decode(), f[b"what"].decode())
            for f in recorded] == [(lao_cai.id, VN, case_id, "view")]
    served = await one.read()
    assert recorded[0][b"sha256"].decode() == hashlib.sha256(served).hexdigest()
    assert recorded[0][b"foreign"] == b"CN-HK-IBCS"


async def test_a_readers_positions_are_sealed_so_other_cases_updates_cannot_be_counted(
    api: Client, redis: Redis, store: Any
) -> None:
    """A viewer's ids are opaque ``s1.`` tokens that name no partition position (an auditor's are clear); it
    resumes with one exactly; a clear position from it, or a sealed one altered, is refused 422."""
    hekou = (await tokens.issue(redis, "CN-HK-IBCS", "viewer")).token
    stream = await subscribe_as(api, hekou)
    assert stream.ready_id.startswith("s1.")
    auditor = await subscribe_as(api, (await tokens.issue(redis, OUTSIDER, "auditor")).token)
    clear = auditor.ready_id
    assert not clear.startswith("s1.")
    assert all(len(piece) < 6 or piece not in stream.ready_id for piece in clear.split(","))
    _, call = await post(api, log_call("sealed-call", urgent=False, written_confirmation_required=False))
    await projected(store)
    [first] = await stream.updates(1)
    assert first.id is not None
    assert first.id.startswith("s1.")
    stream.response.close()
    await post(api, acknowledge(call["case_id"], call["events"][0]["event_id"], "sealed-ack"))
    await projected(store)
    resumed = EventStream(await api.get("/v1/updates", headers=_bearer(hekou) | {"Last-Event-ID": first.id}))
    assert (await resumed.next()).event == "ready"
    assert [u.json()["view"]["version"] for u in await resumed.updates(1)] == [2]
    resumed.response.close()
    altered = first.id[:-2] + ("A" if first.id[-2] != "A" else "B") + first.id[-1]
    for refused in (clear, altered):
        response = await api.get("/v1/updates", headers=_bearer(hekou) | {"Last-Event-ID": refused})
        assert response.status == 422
        assert (await response.json())["reason"]["code"] == "invalid_last_event_id"

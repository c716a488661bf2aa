"""``GET /v1/cases`` (with its filters), ``GET /v1/cases/{id}`` and ``GET /v1/cases/{id}/events``."""

from __future__ import annotations

from typing import Any

import msgspec
from redis.asyncio import Redis

from shared.access.signatures import REGISTRY_CASE
from shared.store import EventStore
from shared.store.chain import GENESIS, link
from tests.integration.gateway.conftest import Client, post, projected
from tests.unit.hotline.reports import CN, CN_OTHER, acknowledge, log_call, send_letter


async def _three_cases(api: Client, store: EventStore) -> dict[str, str]:
    """An urgent call awaiting confirmation, a letter awaiting acknowledgement, a settled call (to another unit)."""
    ids: dict[str, str] = {}
    _, urgent = await post(api, log_call("c-urgent"))
    ids["urgent"] = urgent["case_id"]
    _, letter = await post(api, send_letter("c-letter"))
    ids["letter"] = letter["case_id"]
    plain = log_call("c-plain", callee_unit=CN_OTHER, urgent=False, written_confirmation_required=False)
    status, call = await post(api, plain)
    assert status == 200, call
    ids["settled"] = call["case_id"]
    ack = acknowledge(call["case_id"], call["events"][0]["event_id"], "c-plain-ack", unit=CN_OTHER)
    status, body = await post(api, ack)
    assert status == 200, body
    await projected(store)
    return ids


async def _listed(api: Client, query: str = "") -> list[str]:
    """The case ids listed, without the key registry (the log's own case, which an auditor also lists)."""
    response = await api.get(f"/v1/cases{query}")
    assert response.status == 200, await response.text()
    return [view["case_id"] for view in await response.json() if view["case_id"] != REGISTRY_CASE]


async def test_the_list_filters_by_unit_kind_status_and_overdue(api: Client, store: EventStore) -> None:
    """Each filter keeps exactly the cases it names; filters combine; the list is sorted by case id."""
    ids = await _three_cases(api, store)
    every = sorted(ids.values())
    assert await _listed(api) == every
    assert await _listed(api, f"?unit={CN}") == sorted([ids["urgent"], ids["letter"]])
    assert await _listed(api, f"?unit={CN_OTHER}") == [ids["settled"]]
    assert await _listed(api, "?kind=hotline") == every
    assert await _listed(api, "?kind=incident") == []
    assert await _listed(api, "?status=awaiting_confirmation") == [ids["urgent"]]
    assert await _listed(api, "?status=open") == [ids["settled"]]
    # Open obligations without a deadline (a hotline acknowledgement) are not overdue.
    assert await _listed(api, "?overdue=true") == []
    assert await _listed(api, "?overdue=false") == every
    assert await _listed(api, f"?unit={CN}&status=awaiting_acknowledgement&overdue=false") == [ids["letter"]]


def _incident_view(case_id: str, due_utc: str, overdue: bool = False) -> bytes:
    """A stored incident view with one acknowledgement owed by a deadline (the projections' view shape)."""
    clocks = {"utc": due_utc, "vietnam": due_utc, "china": due_utc}
    owed = {"kind": "incident_acknowledgement", "message_id": "E-1", "owed_by": CN, "since": clocks,
            "due": clocks, "overdue": overdue}
    view = {"case_id": case_id, "kind": "incident", "status": "awaiting_acknowledgement", "parties": [CN],
            "counts": {}, "obligations": [owed], "first_update": clocks, "last_update": clocks, "version": 1,
            "last_event_id": "E-1"}
    return msgspec.json.encode(view)


async def test_overdue_lists_only_cases_with_a_missed_deadline(api: Client, store: EventStore, redis: Redis) -> None:
    """overdue=true: a deadline recorded missed or already past; overdue=false: deadlines ahead and none at all."""
    ids = await _three_cases(api, store)
    stored = {
        "IN-RECORDED": _incident_view("IN-RECORDED", "2999-01-01T00:00:00Z", overdue=True),
        "IN-PAST": _incident_view("IN-PAST", "2020-01-01T00:00:00Z"),
        "IN-AHEAD": _incident_view("IN-AHEAD", "2999-01-01T00:00:00Z"),
    }
    for case_id, view in stored.items():
        await redis.hset(store.keys(store.partition_of(case_id)).views, case_id, view)
    assert await _listed(api, "?overdue=true") == ["IN-PAST", "IN-RECORDED"]
    assert await _listed(api, "?overdue=false") == sorted([*ids.values(), "IN-AHEAD"])
    assert await _listed(api, "?overdue=true&kind=hotline") == []


async def test_a_bad_filter_is_refused_naming_it(api: Client) -> None:
    """An unknown filter or an overdue that is not a boolean is answered 422 naming the parameter."""
    for query, named in (("?stauts=open", "stauts"), ("?overdue=maybe", "overdue"), ("?unit=", "unit")):
        response = await api.get(f"/v1/cases{query}")
        assert response.status == 422
        body = await response.json()
        assert body["reason"]["code"] == "invalid_filter"
        assert named in body["reason"]["message"]


async def test_one_case_is_its_view_as_stored(api: Client, store: EventStore, redis: Redis) -> None:
    """``GET /v1/cases/{id}`` serves the stored view byte for byte; an unknown id is 404 naming it."""
    ids = await _three_cases(api, store)
    case_id = ids["urgent"]
    response = await api.get(f"/v1/cases/{case_id}")
    assert response.status == 200
    stored = await redis.hget(store.keys(store.partition_of(case_id)).views, case_id)
    assert await response.read() == stored
    missing = await api.get("/v1/cases/HL-NOSUCHCASE")
    assert missing.status == 404
    body = await missing.json()
    assert body["reason"]["code"] == "unknown_case"
    assert "HL-NOSUCHCASE" in body["reason"]["message"]


async def test_events_come_in_order_with_positions_and_a_chain_that_verifies(api: Client, store: EventStore) -> None:
    """A case's events: version order, log positions and numbers, and prev/hash links recomputable from them."""
    ids = await _three_cases(api, store)
    response = await api.get(f"/v1/cases/{ids['settled']}/events")
    assert response.status == 200
    raw = await response.read()
    items: list[dict[str, Any]] = await response.json()
    assert [item["event"]["type"] for item in items] == ["HotlineCallLogged", "MessageAcknowledged"]
    assert [item["event"]["case_version"] for item in items] == [1, 2]
    recorded = await store.read_case(ids["settled"])
    assert [item["position"] for item in items] == [r.position for r in recorded]
    assert [item["number"] for item in items] == [r.number for r in recorded]
    prev = GENESIS
    for entry in recorded:
        assert entry.data in raw, "the event is served as its canonical bytes"
        assert link(prev, entry.data) == entry.hash
        prev = entry.hash
    assert [(item["prev"], item["hash"]) for item in items] == [(r.prev, r.hash) for r in recorded]
    missing = await api.get("/v1/cases/HL-NOSUCHCASE/events")
    assert missing.status == 404
    assert (await missing.json())["reason"]["code"] == "unknown_case"

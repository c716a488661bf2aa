"""Command-id claims hold on one redis-server and on a Redis Cluster alike: the first report to claim an id keeps it."""

from __future__ import annotations

import msgspec

from services.hotline.intake import Report, read_entry
from shared.intake.batch_io import fingerprint, lookup
from shared.store import EventStore, keys
from tests.unit.hotline.reports import log_call


def _report(entry_id: bytes, **overrides: str) -> Report:
    read = read_entry(entry_id, {b"report": msgspec.json.encode(log_call("claimed-id", **overrides))})
    assert isinstance(read, Report)
    return read


async def test_the_first_claim_wins_and_a_resend_matches_it(store: EventStore) -> None:
    """In one batch the first of two different reports under one id claims it and the second is marked reused; later
    the first sent again (other spacing, same content) matches its claim, and the second is still refused."""
    first, second = _report(b"1-1", case_id="HL-A"), _report(b"1-2", case_id="HL-B")
    known = await lookup(store.redis, store, [first, second])
    assert [k.reused for k in known] == [False, True]
    spaced = read_entry(b"2-1", {b"report": msgspec.json.format(msgspec.json.encode(log_call("claimed-id",
                                                                                         case_id="HL-A")))})
    assert isinstance(spaced, Report)
    assert [k.reused for k in await lookup(store.redis, store, [spaced, second])] == [False, True]
    claims = keys.claims(store.partition_of("claimed-id"))
    assert await store.redis.hget(claims, "claimed-id") == fingerprint(first.command).encode()


async def test_claims_of_different_ids_spread_over_the_partitions(store: EventStore) -> None:
    """Forty command ids are claimed in the claim hashes of more than one partition (no single hot key)."""
    reports = []
    for i in range(40):
        read = read_entry(f"1-{i}".encode(), {b"report": msgspec.json.encode(log_call(f"id-{i}", case_id=f"HL-{i}"))})
        assert isinstance(read, Report)
        reports.append(read)
    assert not any(k.reused for k in await lookup(store.redis, store, reports))
    used = [p for p in range(store.partitions) if await store.redis.hlen(keys.claims(p))]
    assert len(used) > 1
    assert sum([await store.redis.hlen(keys.claims(p)) for p in used]) == 40

"""``liaison replay`` (summary, --as-of) and signed audit reports, against real Redis servers."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from msgspec.structs import replace
from redis.asyncio import Redis

from liaison.audit.as_of import case_as_of
from shared.readmodel.fold import encode_view
from shared.redis_server import RedisServer
from shared.store import EventStore
from shared.store.audit import verify
from tests.integration.audit.helpers import run


async def _log_facts(url: str) -> tuple[str, int, dict[str, list[datetime]], dict[str, bytes | None], datetime]:
    """The verifier's digest and events, each case's recording times, and each case's fold at a middle instant."""
    redis = Redis.from_url(url)
    try:
        store = await EventStore.open(redis)
        audit = await verify(store)
        histories = {case_id: await store.read_case(case_id) for case_id in audit.heads}
        times = {case_id: [r.event().recorded_at for r in records] for case_id, records in histories.items()}
        moments = sorted(t for ts in times.values() for t in ts)
        middle = moments[len(moments) // 2] + timedelta(seconds=1)
        views = {}
        for case_id, records in histories.items():
            view = case_as_of(records, middle, case_id)
            views[case_id] = encode_view(view) if view is not None else None
        return audit.digest, audit.events, times, views, middle
    finally:
        await redis.aclose()


def test_replay_prints_a_summary_and_finds_no_difference(
    source: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The replay's JSON has the summary (events, cases, partitions, digest, time, rate) of the verifier's
    findings, verifies, and rebuilds views equal to the live ones; its text says so too."""
    digest, events, times, _, _ = asyncio.run(_log_facts(source.url))
    assert run(["replay", "--json"], source.url, monkeypatch) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    summary = result["summary"]
    assert (summary["events"], summary["cases"], summary["partitions"], summary["digest"]) == (
        events, len(times), 4, digest
    )
    assert summary["elapsed"] > 0
    assert summary["events_per_s"] > 0
    assert summary["processes"] == min(os.cpu_count() or 1, 4)
    assert result["verify"]["breaches"] == []
    assert result["rebuild"]["differences"] == []
    assert out.err == ""  # no progress display with --json
    assert run(["replay"], source.url, monkeypatch) == 0
    text = capsys.readouterr().out
    assert f"chain heads digest: {digest}" in text
    assert "0 differences" in text


def test_replay_as_of_shows_every_case_or_one_as_it_stood(
    source: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At an instant in the middle of the traffic, every case is the fold of its events recorded by then (cases
    not yet opened are absent), given in Vietnam's clock; one case alone is the same."""
    _, _, _, expected, middle = asyncio.run(_log_facts(source.url))
    instant = middle.astimezone(timezone(timedelta(hours=7))).isoformat()
    assert run(["replay", "--as-of", instant, "--json"], source.url, monkeypatch) == 0
    result = json.loads(capsys.readouterr().out)
    got = {view["case_id"]: json.dumps(view, sort_keys=True) for view in result["cases"]}
    want = {case: json.dumps(json.loads(view), sort_keys=True) for case, view in expected.items() if view}
    assert got == want
    assert 0 < len(got) < len(expected)
    assert result["verify"]["ok"]
    started = next(case for case, view in expected.items() if view)
    assert run(["replay", "--as-of", instant, "--case", started, "--json"], source.url, monkeypatch) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["verified"]
    assert json.dumps(one["case"], sort_keys=True) == want[started]
    unopened = next(case for case, view in expected.items() if view is None)
    assert run(["replay", "--as-of", instant, "--case", unopened], source.url, monkeypatch) == 1
    assert run(["replay", "--as-of", "2026-11-20T10:00:00"], source.url, monkeypatch) == 2
    assert "--as-of" in capsys.readouterr().err


def test_a_signed_report_verifies_against_an_imported_copy_and_not_against_another_log(
    source: RedisServer, target: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Lao Cai signs a report of its log; Hekou, holding an imported copy, verifies it against its own store
    (exit 0); an altered report, or a store whose log differs, is refused (exit 3); unreadable input is exit 2."""
    key = tmp_path / "vn.key"
    assert run(["keygen", "--unit", "VN-LC-IBGS", "--out", str(key)], source.url, monkeypatch) == 0
    assert key.stat().st_mode & 0o777 == 0o600
    public = tmp_path / "vn.key.pub"
    report = tmp_path / "report.json"
    assert run(["audit-report", "--unit", "VN-LC-IBGS", "--key", str(key), "--out", str(report)],
               source.url, monkeypatch) == 0
    export = tmp_path / "log.jsonl"
    assert run(["export", "--out", str(export)], source.url, monkeypatch) == 0
    assert run(["import", str(export)], target.url, monkeypatch) == 0
    capsys.readouterr()
    check = ["verify-report", str(report), "--public-key", str(public), "--against-store"]
    assert run(check, target.url, monkeypatch) == 0
    assert "exactly the report's" in capsys.readouterr().out

    altered = json.loads(report.read_text(encoding="utf-8"))
    altered["report"]["heads"][0]["version"] += 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(altered), encoding="utf-8")
    assert run(["verify-report", str(forged), "--public-key", str(public)], target.url, monkeypatch) == 3
    assert "signature does not match" in capsys.readouterr().err

    async def add_one_event() -> None:
        redis = Redis.from_url(target.url)
        store = await EventStore.open(redis)
        case_id, (version, head) = next(iter((await store.heads(0)).items()))
        records = await store.read_case(case_id)
        event = records[-1].event()
        await store.append(case_id, [replace(event, event_id="extra-1", case_version=version + 1)], version,
                           head_hash=head)
        await redis.aclose()

    asyncio.run(add_one_event())
    assert run(check, target.url, monkeypatch) == 3
    assert "differ from the report's in 1 place" in capsys.readouterr().err
    assert run(["verify-report", str(tmp_path / "none.json"), "--public-key", str(public)],
               target.url, monkeypatch) == 2
    assert run(["audit-report", "--unit", "XX-NOWHERE", "--key", str(key)], source.url, monkeypatch) == 2
    assert "unknown unit" in capsys.readouterr().err

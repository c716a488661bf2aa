"""``liaison export`` and ``liaison import`` between two real Redis servers: identical stores, or nothing written."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from liaison.audit.archive.check import ImportRefused
from liaison.audit.archive.importer import write_import
from shared.redis_server import RedisServer
from shared.store import EventStore
from tests.integration.audit.helpers import contents, dbsize, rebuilt_views, run


def _export(source: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "log.jsonl"
    assert run(["export", "--out", str(out)], source.url, monkeypatch) == 0
    return out


def test_an_import_is_the_same_store_and_rebuilds_the_same_views(
    source: RedisServer, target: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Export then import into an empty Redis: the same logs (ids, numbers, bytes), heads and indexes; the
    replay verifies with the source's digest, and the views rebuilt from it are the source's."""
    out = _export(source, tmp_path, monkeypatch)
    header = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert header["events"] >= 1200
    assert run(["import", str(out)], target.url, monkeypatch) == 0
    assert contents(target.url) == contents(source.url)
    capsys.readouterr()
    assert run(["replay", "--verify", "--json"], target.url, monkeypatch) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["verify"]["ok"]
    assert (replayed["summary"]["events"], replayed["summary"]["digest"]) == (header["events"], header["digest"])
    assert rebuilt_views(target.url) == rebuilt_views(source.url)


def _one_byte_changed(lines: list[str]) -> list[str]:
    i = next(i for i, line in enumerate(lines) if '"kind":"entry"' in line and i > 100)
    lines[i] = lines[i].replace('\\"officer\\":\\"', '\\"officer\\":\\"X', 1)
    return lines


def _entry_deleted(lines: list[str]) -> list[str]:
    del lines[next(i for i, line in enumerate(lines) if '"kind":"entry"' in line and i > 50)]
    return lines


def _digest_altered(lines: list[str]) -> list[str]:
    header = json.loads(lines[0])
    header["digest"] = header["digest"][::-1]
    lines[0] = json.dumps(header)
    return lines


@pytest.mark.parametrize(("change", "named"), [
    (_one_byte_changed, "hash_mismatch"), (_entry_deleted, "number_gap"), (_digest_altered, "the header says"),
])
def test_a_tampered_export_is_refused_and_nothing_written(
    change: object, named: str, source: RedisServer, target: RedisServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """One byte changed in one event, one entry line deleted, the header's digest altered: exit 3 naming the
    problem, and the target Redis holds no key at all."""
    out = _export(source, tmp_path, monkeypatch)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert callable(change)
    out.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert run(["import", str(out)], target.url, monkeypatch) == 3
    err = capsys.readouterr().err
    assert named in err
    assert "imported nothing" in err
    assert dbsize(target.url) == 0


def test_a_store_that_is_not_empty_is_refused(
    source: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Importing into a store that holds entries (here: the source itself) is a usage error that changes nothing."""
    out = _export(source, tmp_path, monkeypatch)
    before = contents(source.url)
    capsys.readouterr()
    assert run(["import", str(out)], source.url, monkeypatch) == 2
    assert "not empty" in capsys.readouterr().err
    assert contents(source.url) == before


async def _import_with_wrong_digest(url: str, path: Path) -> tuple[str, int]:
    redis = Redis.from_url(url)
    try:
        store = await EventStore.create(redis, 4)
        with pytest.raises(ImportRefused) as refused:
            await write_import(store.redis, store, path, "0" * 64)
        await redis.delete("liaison:meta")
        return str(refused.value), int(await redis.dbsize())
    finally:
        await redis.aclose()


def test_a_file_changed_between_the_passes_is_undone(
    source: RedisServer, target: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the file written is not the file checked (its sha256 differs), everything written is deleted again."""
    out = _export(source, tmp_path, monkeypatch)
    why, left = asyncio.run(_import_with_wrong_digest(target.url, out))
    assert "changed while it was imported" in why
    assert left == 0


def test_an_export_of_a_tampered_log_fails_and_leaves_no_file(
    source: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """An entry deleted from a partition log: export exits 3 naming the gap, and writes no file."""

    async def delete_one() -> None:
        redis = Redis.from_url(source.url)
        entries: Any = await redis.xrange("liaison:{p2}:log", count=5)
        await redis.xdel("liaison:{p2}:log", entries[3][0])
        await redis.aclose()

    asyncio.run(delete_one())
    out = tmp_path / "exports" / "log.jsonl"
    out.parent.mkdir()
    capsys.readouterr()
    assert run(["export", "--out", str(out)], source.url, monkeypatch) == 3
    assert "number_gap at partition 2" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []


def test_an_export_to_stdout_of_a_tampered_log_says_it_is_incomplete_and_import_refuses_it(
    source: RedisServer, target: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """To standard output the lines are already written when the breach shows: the error says the output is an
    incomplete export (not "nothing exported"), and `liaison import` of what was written is refused (exit 3)."""

    async def alter_one() -> None:
        redis = Redis.from_url(source.url)
        entries: Any = await redis.xrange("liaison:{p1}:log", count=3)
        entry_id, fields = entries[2]
        await redis.xdel("liaison:{p1}:log", entry_id)  # an altered event appended in place of the original
        await redis.xadd("liaison:{p1}:log", {**fields, b"e": fields[b"e"].replace(b"\"", b"'", 1)})
        await redis.aclose()

    asyncio.run(alter_one())
    capsysbinary.readouterr()
    assert run(["export"], source.url, monkeypatch) == 3
    written = capsysbinary.readouterr()
    assert b"what was written to standard output is an incomplete export: liaison import will refuse it" in written.err
    assert b"nothing exported" not in written.err
    assert written.out.startswith(b'{"kind":"header"')
    out = tmp_path / "from-stdout.jsonl"
    out.write_bytes(written.out)
    assert run(["import", str(out)], target.url, monkeypatch) == 3
    assert dbsize(target.url) == 0


class _FullDisk:
    """A standard output that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return len(data)

    def flush(self) -> None:
        pass


def test_an_export_to_stdout_that_fails_midway_says_it_is_incomplete(
    source: RedisServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A write to standard output failing after the header: exit 2 naming the error and the incomplete output."""
    stdout = type("Stdout", (), {"buffer": _FullDisk(4000)})()
    monkeypatch.setattr("sys.stdout", stdout)
    assert run(["export"], source.url, monkeypatch) == 2
    assert ("standard output: cannot write: No space left on device; what was written to it is an incomplete "
            "export: liaison import will refuse it") in capsys.readouterr().err

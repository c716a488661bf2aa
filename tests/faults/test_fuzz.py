"""A malformed-input fuzzer (hypothesis) on both intake streams (hotline, incidents) and on `liaison send`.

Hotline: one redis-server, hotline and projections. A baseline is accepted first; after every fuzzed
report nothing recorded may have changed (the log counters per example; the audit digest and every
view at the end of each test), and both services must still run.

Incidents: a redis-server of its own with hotline, incidents and projections, and a case of each kind
opened. Mutations of valid reports of every incidents type (a wrong JSON type at any depth, bytes that
are not UTF-8 in any string) are each answered exactly once, rejected naming the field or the
problem; after each one a good report is still accepted, and the log grows by the good ones only.

Whichever answers a line of `liaison send` (the CLI itself, or a service), its code is checked.
Hypothesis runs bounded and derandomized (``FUZZ``), so the module's run time and examples are fixed.
"""

from __future__ import annotations

import asyncio
import gc
import io
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from liaison.report.examples.incidents import INCIDENT_EXAMPLES
from liaison.report.keyring import Keyring
from liaison.report.send import send_lines
from shared.access.box_keys import purpose_of
from shared.outcomes import Outcome, outcome_decoder
from shared.readmodel.queries import raw_views
from shared.redis_server import RedisServer
from shared.store import EventStore, keys
from shared.store.audit import verify
from shared.vault.store import Vault
from tests.faults.bad_reports import FAULTS, INCIDENT_FAULTS, Bad, Context, IncidentContext, incident_example
from tests.faults.conftest import PARTITIONS, Stack, base_env, close_stderr, wait_for
from tests.signing import KEYS, register_test_keys_at, signed, write_box_keys
from tests.unit.hotline.reports import acknowledge, log_call, send_letter

KEYRING = Keyring({holder: key for holder, key in KEYS.items() if purpose_of(holder) == "unit"})
"""What `liaison send` signs with on the box (Keyring.of_box): every seed unit's key."""
LOCAL_CODES = frozenset({"too_large", "invalid_json", "invalid", "unknown_type"})
"""Codes `liaison send` answers itself, before a report reaches a service."""

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Snapshot:
    """What is recorded: entries numbered per partition, the audit's digest of every chain head, every view."""

    numbered: int
    digest: str
    views: dict[int, dict[str, bytes]]


@dataclass
class Fuzz:
    """The module's running services, a client, the baseline and its snapshot."""

    stack: Stack
    redis: Redis
    context: Context
    before: Snapshot
    ids: Iterator[int]

    def command_id(self) -> str:
        """A command id never used before in this module."""
        return f"fz-{next(self.ids)}"


def numbered(redis: Redis) -> int:
    """Entries the append script has numbered, over every partition."""
    return sum(int(redis.get(f"liaison:{{p{p}}}:n") or 0) for p in range(PARTITIONS))


def snapshot(stack: Stack, redis: Redis) -> Snapshot:
    """The audit digest and the raw views, read once the projections have caught up."""

    async def read() -> tuple[str, dict[int, dict[str, bytes]]]:
        client = AsyncRedis.from_url(stack.url)
        try:
            store = await EventStore.open(client)
            report = await verify(store)
            assert report.breaches == []
            return report.digest, await raw_views(store.redis, store)
        finally:
            await client.aclose()

    digest, views = asyncio.run(read())
    return Snapshot(numbered(redis), digest, views)


def _last(redis: Redis, stream: str) -> str:
    newest: Any = redis.xrevrange(stream, "+", "-", count=1)
    return newest[0][0].decode() if newest else "0-0"


def submit(redis: Redis, raw: bytes, command_id: str | None, want_dead: bool, within: float = 15,
           service: str = "hotline") -> tuple[Outcome | None, dict[bytes, bytes] | None]:
    """Put raw bytes on the service's intake as a report; wait for its outcome (if it has a command id) and its
    dead letter (if one is due)."""
    dead_letters = keys.dead_letters(service)
    cursors: dict[Any, Any] = {keys.OUTCOMES: _last(redis, keys.OUTCOMES), dead_letters: _last(redis, dead_letters)}
    added: Any = redis.xadd(keys.intake(service), signed(raw))
    entry_id = added.decode()
    outcome: Outcome | None = None
    dead: dict[bytes, bytes] | None = None

    def answered() -> bool:
        nonlocal outcome, dead
        reply: Any = redis.xread(cursors, block=100)
        for stream, entries in reply or []:
            for position, fields in entries:
                cursors[stream.decode()] = position.decode()
                if stream.decode() == dead_letters and fields[b"entry_id"].decode() == entry_id:
                    dead = fields
                elif command_id is not None and fields.get(b"command_id", b"").decode() == command_id:
                    outcome = outcome_decoder.decode(fields[b"outcome"])
        return (outcome is not None or command_id is None) and (dead is not None or not want_dead)

    wait_for(answered, within, f"the answer to entry {entry_id}", every=0)
    return outcome, dead


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    """Redis, hotline and projections, with a baseline case (an urgent call, acknowledged) and a letter."""
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    server = RedisServer(workdir / "redis").start()
    close_stderr(server)
    stack = Stack(server, workdir, base_env(server.url, workdir / "var"), url=server.url)
    write_box_keys(workdir / "var")
    register_test_keys_at(server.url)
    redis = Redis.from_url(server.url)
    try:
        stack.started_sync("hotline")
        stack.started_sync("projections")
        call, _ = submit(redis, msgspec.json.encode(log_call("base-call")), "base-call", False)
        assert call is not None
        assert call.status == "accepted", call
        assert call.case_id is not None
        call_id = call.events[0].event_id
        ack, _ = submit(redis, msgspec.json.encode(acknowledge(call.case_id, call_id, "base-ack")), "base-ack", False)
        letter, _ = submit(redis, msgspec.json.encode(send_letter("base-letter")), "base-letter", False)
        assert ack is not None
        assert letter is not None
        assert (ack.status, letter.status) == ("accepted", "accepted"), (ack, letter)
        # 3 views: the baseline's two cases and the key registry's (UNIT-KEYS)
        wait_for(lambda: sum(redis.hlen(f"liaison:{{p{p}}}:viewv") for p in range(PARTITIONS)) == 3
                 and all(_projected(redis, o) for o in (ack, letter)), 20, "the baseline views")
        yield Fuzz(stack, redis, Context(call.case_id, call_id), snapshot(stack, redis), itertools.count())
    finally:
        redis.close()
        stack.stop_all()
        server.stop()


def _projected(redis: Redis, outcome: Outcome) -> bool:
    assert outcome.case_id is not None
    p = keys.partition_of(outcome.case_id, PARTITIONS)
    version = redis.hget(f"liaison:{{p{p}}}:viewv", outcome.case_id)
    return version is not None and int(version) == outcome.version


def untouched(fuzz: Fuzz) -> None:
    """Both services run and nothing recorded changed: audit digest and every view as at the baseline."""
    assert fuzz.stack.alive("hotline"), fuzz.stack.log("hotline")[-3000:]
    assert fuzz.stack.alive("projections"), fuzz.stack.log("projections")[-3000:]
    after = snapshot(fuzz.stack, fuzz.redis)
    assert after.numbered == fuzz.before.numbered
    assert after.digest == fuzz.before.digest
    assert after.views == fuzz.before.views
    assert "Traceback" not in fuzz.stack.log("hotline"), "a bad report must never reach an internal error"


def check(bad: Bad, outcome: Outcome | None, dead: dict[bytes, bytes] | None, command_id: str) -> None:
    """The answer is a precise rejection: its code, a message naming the field or problem, the dead letter."""
    if bad.answered:
        assert outcome is not None, bad.kind
        assert outcome.status == "rejected", (bad.kind, outcome)
        assert outcome.command_id == command_id
        assert outcome.reason is not None
        assert outcome.reason.code in bad.codes, (bad.kind, outcome.reason)
        assert bad.fragment in outcome.reason.message, (bad.kind, outcome.reason)
        assert outcome.events == ()
    if bad.dead_lettered:
        assert dead is not None, bad.kind
        reason = dead[b"reason"].decode()
        assert bad.fragment in reason, (bad.kind, reason)
        if outcome is not None:
            assert outcome.reason is not None
            assert outcome.reason.message == reason


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_bad_report_on_the_intake_gets_a_precise_rejection(fuzz: Fuzz, fault: str) -> None:
    """Each kind of bad report written straight to the intake stream is rejected (or dead-lettered) with a
    reason naming its field or problem; nothing recorded changes and no service dies."""

    @FUZZ if fault != "oversized" else settings(FUZZ, max_examples=12)
    @given(data=st.data())
    def fuzz_one(data: st.DataObject) -> None:
        bad = data.draw(FAULTS[fault](fuzz.context), label="bad report")
        command_id = fuzz.command_id()
        outcome, dead = submit(fuzz.redis, bad.make(command_id), command_id if bad.answered else None,
                               bad.dead_lettered)
        check(bad, outcome, dead, command_id)
        assert numbered(fuzz.redis) == fuzz.before.numbered, f"{bad.kind} changed the log"

    fuzz_one()
    untouched(fuzz)


@st.composite
def local_faults(draw: st.DrawFn) -> tuple[bytes, str]:
    """Lines `liaison send` must refuse itself: not JSON, not an object, no usable command id."""
    line = draw(st.one_of(
        st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and not t.strip().startswith("{")).map(
            lambda t: t.replace("\n", " ").encode()),
        st.lists(st.integers(), max_size=3).map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b'{"type": "LogCall"}', b'{"command_id": "", "type": "LogCall"}', b"{"]),
    ))
    return line, "local"


Line = tuple[bytes, Bad | None, str | None]
"""A line given to `liaison send`: its bytes, the fault it carries (None: a local fault) and its command id."""


def draw_lines(data: st.DataObject, faults: Mapping[str, Any], context: Any, ids: Iterator[int]) -> list[Line]:
    """1-4 lines, each a local fault or a bad report of one of ``faults`` under a fresh command id."""
    lines: list[Line] = []
    for _ in range(data.draw(st.integers(1, 4), label="lines")):
        if data.draw(st.booleans(), label="local"):
            line, _ = data.draw(local_faults(), label="local fault")
            lines.append((line, None, None))
            continue
        fault = data.draw(st.sampled_from(sorted(faults)), label="fault")
        bad: Bad = data.draw(faults[fault](context), label="bad report")
        command_id = f"fz-cli-{next(ids)}"
        lines.append((bad.make(command_id), bad, command_id))
    return lines


def check_cli_answers(lines: list[Line], out: str, code: int) -> None:
    """One rejection per line, in order, exit code 1; each with the code and fragment its fault calls for,
    whichever answered it: `liaison send` itself (``Bad.local``) or the service (``Bad.codes``)."""
    answers = [json.loads(text) for text in out.splitlines()]
    assert len(answers) == len(lines), out
    assert code == 1
    for (_, bad, command_id), answer in zip(lines, answers, strict=True):
        assert answer["status"] == "rejected", answer
        reason = answer["reason"]
        assert reason["message"], answer
        if bad is None:
            assert reason["code"] in LOCAL_CODES, answer
        elif bad.local is not None:
            assert (reason["code"], bad.local[1] in reason["message"]) == (bad.local[0], True), (bad.kind, answer)
        else:
            assert answer["command_id"] == command_id, answer
            assert reason["code"] in bad.codes, (bad.kind, answer)
            assert bad.fragment in reason["message"], (bad.kind, answer)


# liaison.connect.open_redis builds its client on a pool it passes in, which Redis.aclose() leaves
# open: harmless in a CLI process (it exits), but here every example leaks its connections.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_liaison_send_answers_every_bad_line_with_a_precise_rejection(
    fuzz: Fuzz, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`liaison send` (its send loop, in this process) answers every bad line with one rejection, in order,
    with the code its fault calls for whether the CLI or the service answers; exit code 1; nothing recorded
    changes."""
    monkeypatch.setenv("LIAISON_REDIS_URL", fuzz.stack.url)

    @settings(FUZZ, max_examples=30)  # each example runs the whole send loop (~0.2 s) on up to 4 lines
    @given(data=st.data())
    def fuzz_lines(data: st.DataObject) -> None:
        lines = draw_lines(data, FAULTS, fuzz.context, fuzz.ids)
        out = io.StringIO()
        source = io.BytesIO(b"\n".join(line for line, _, _ in lines) + b"\n")
        code = asyncio.run(send_lines(source, out, 15.0, KEYRING))
        check_cli_answers(lines, out.getvalue(), code)
        assert numbered(fuzz.redis) == fuzz.before.numbered

    fuzz_lines()
    gc.collect()  # finalise the leaked connections here, under this test's filter, not in the next test
    untouched(fuzz)


def _cli_lines(fuzz: Fuzz) -> list[tuple[bytes, str]]:
    """One line per kind of fault, with the code `liaison send` must answer it with."""
    case, call = fuzz.context.case_id, fuzz.context.call_id
    naive = log_call("cli-naive")
    naive["at"] = naive["at"][:-6]
    missing = log_call("cli-missing")
    del missing["summary"]
    return [
        (msgspec.json.encode(log_call("cli-type", urgent="yes")), "malformed"),
        (msgspec.json.encode(missing), "malformed"),
        (msgspec.json.encode(log_call("cli-kind") | {"type": "Teleport"}), "unknown_type"),
        (msgspec.json.encode(log_call("cli-big", line="x" * 70_000)), "too_large"),
        (msgspec.json.encode(naive), "malformed"),
        (msgspec.json.encode(log_call("cli-offset", at="2026-11-23T09:20:00+08:00")), "wrong_offset"),
        (msgspec.json.encode(log_call("cli-unit", callee_unit="CN-NOWHERE")), "unknown_unit"),
        (msgspec.json.encode(acknowledge("HL-FORGED", call, "cli-case")), "unknown_case"),
        (msgspec.json.encode(acknowledge(case, call, "cli-party", unit="VN-LCH-BGC", at="2026-11-23T10:25:00+07:00")),
         "unknown_case"),  # a unit not party is answered as for a case that does not exist (need-to-know)
        (b"{not json", "invalid_json"),
    ]


def test_the_liaison_send_process_answers_each_kind_of_bad_line(fuzz: Fuzz) -> None:
    """The real `liaison send` process: one rejection per bad line, in order, with the right code; exit 1,
    no traceback."""
    lines = _cli_lines(fuzz)
    run = fuzz.stack.liaison("send", stdin=b"\n".join(line for line, _ in lines) + b"\n", timeout=60)
    assert run.returncode == 1, run.stderr.decode()
    assert b"Traceback" not in run.stderr
    answers = [json.loads(text) for text in run.stdout.decode().splitlines()]
    assert [a["reason"]["code"] for a in answers] == [code for _, code in lines]
    untouched(fuzz)


def test_liaison_send_answers_a_line_of_invalid_utf8(fuzz: Fuzz) -> None:
    """A line with bytes that are not UTF-8 gets a rejection naming the problem; the lines after it are sent."""
    good = msgspec.json.encode(log_call("cli-after-utf8", at="2026-11-23T09:20:00+08:00"))
    run = fuzz.stack.liaison("send", stdin=b'{"command_id": "cli-utf8", "type": "LogCall", "officer": "\xff"}\n'
                             + good + b"\n", timeout=60)
    assert b"Traceback" not in run.stderr, run.stderr.decode()[-2000:]
    answers = [json.loads(text) for text in run.stdout.decode().splitlines()]
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert "UTF-8" in answers[0]["reason"]["message"]
    assert answers[1]["reason"]["code"] == "wrong_offset"


# --- the incidents intake ----------------------------------------------------------------------------


@dataclass
class IncidentsFuzz:
    """The incidents module's running services, a client, the cases opened and the log size after them."""

    stack: Stack
    redis: Redis
    context: IncidentContext
    baseline: int
    """Entries numbered once the baseline's cases were opened."""
    ids: Iterator[int]
    good: int = 0
    """Good reports accepted since the baseline (one IncidentRaised each)."""

    def command_id(self) -> str:
        """A command id never used before in this module."""
        return f"fi-{next(self.ids)}"

    def still_answers(self) -> None:
        """A good report (a new incident) is accepted: the service keeps working after whatever came before."""
        good = incident_example("RaiseIncident", self.context, self.command_id())
        outcome, _ = submit(self.redis, msgspec.json.encode(good), good["command_id"], False, service="incidents")
        assert outcome is not None
        assert outcome.status == "accepted", outcome
        self.good += 1


INCIDENT_EXAMPLES_EACH = 200
"""Mutations per kind: 20 report types with 10-40 paths each; an example (and its good report) takes ~10 ms."""
OPENINGS = {"IN-REPLACEME": "RaiseIncident", "HO-REPLACEME": "ProposeHandover", "PT-REPLACEME": "SchedulePatrol",
            "MT-REPLACEME": "RecordMeeting"}
"""The report that opens the case each placeholder of ``liaison example`` stands for."""


async def _put_person(url: str, subject_id: str) -> None:
    client = AsyncRedis.from_url(url)
    try:
        await Vault(client).put(subject_id, {"name": "Lo Thi Mai", "born": "1998", "nationality": "VN"})
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def incidents_fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IncidentsFuzz]:
    """Redis, hotline, incidents and projections, with a case of each kind opened (and a hotline call to link):
    the ids ``liaison example``'s follow-up reports need."""
    workdir: Path = tmp_path_factory.mktemp("fuzz-incidents")
    server = RedisServer(workdir / "redis").start()
    close_stderr(server)
    stack = Stack(server, workdir, base_env(server.url, workdir / "var"), url=server.url)
    write_box_keys(workdir / "var")  # the incidents service signs the reports it sends itself
    register_test_keys_at(server.url)
    redis = Redis.from_url(server.url)
    try:
        for service in ("hotline", "incidents", "projections"):
            stack.started_sync(service)
        call_report = log_call("fi-base-call", urgent=False, written_confirmation_required=False)
        call, _ = submit(redis, msgspec.json.encode(call_report), "fi-base-call", False)
        assert call is not None
        assert call.status == "accepted", call
        assert call.case_id is not None
        cases = {"HL-REPLACEME": call.case_id}
        now = datetime.now(UTC)
        subject_id = ""
        for placeholder, kind in OPENINGS.items():
            report = INCIDENT_EXAMPLES[kind](now)
            if kind == "ProposeHandover":
                subject_id = report["persons"][0]["subject_id"]
                asyncio.run(_put_person(server.url, subject_id))  # the vault first: reports carry only the id
            outcome, _ = submit(redis, msgspec.json.encode(report), report["command_id"], False, service="incidents")
            assert outcome is not None
            assert outcome.status == "accepted", outcome
            assert outcome.case_id is not None
            cases[placeholder] = outcome.case_id
        context = IncidentContext(cases, subject_id, now)
        yield IncidentsFuzz(stack, redis, context, numbered(redis), itertools.count())
    finally:
        redis.close()
        stack.stop_all()
        server.stop()


def outcomes_of(redis: Redis, command_ids: list[str]) -> dict[str, list[Outcome]]:
    """Every outcome written for each of the commands."""
    found: dict[str, list[Outcome]] = {c: [] for c in command_ids}
    entries: Any = redis.xrange(keys.OUTCOMES)
    for _, fields in entries:
        command_id = fields[b"command_id"].decode()
        if command_id in found:
            found[command_id].append(outcome_decoder.decode(fields[b"outcome"]))
    return found


def incidents_still_fine(fuzz: IncidentsFuzz, fuzzed: list[str]) -> None:
    """Each fuzzed command answered exactly once and never processing_failed; the log grew by the good reports
    only; the incidents service runs and never logged a traceback."""
    found = outcomes_of(fuzz.redis, fuzzed)
    answered_twice = {c: o for c, o in found.items() if len(o) > 1}
    assert not answered_twice, f"answered more than once: {answered_twice}"
    failed = [o for copies in found.values() for o in copies if o.reason and o.reason.code == "processing_failed"]
    assert not failed, failed[:3]
    assert numbered(fuzz.redis) == fuzz.baseline + fuzz.good, "a fuzzed report changed the log"
    assert fuzz.stack.alive("incidents"), fuzz.stack.log("incidents")[-3000:]
    assert "Traceback" not in fuzz.stack.log("incidents"), "a bad report must never reach an internal error"


@pytest.mark.parametrize("fault", sorted(INCIDENT_FAULTS))
def test_every_mutated_incidents_report_gets_exactly_one_precise_rejection(
    incidents_fuzz: IncidentsFuzz, fault: str
) -> None:
    """Valid reports of every incidents type, mutated (a wrong JSON type at any depth, bytes not UTF-8 in any
    string), are each answered exactly once, `malformed` naming the path or the problem, and dead-lettered;
    never processing_failed nor a traceback, and a good report is accepted after each one."""
    fuzz = incidents_fuzz
    fuzzed: list[str] = []

    @settings(FUZZ, max_examples=INCIDENT_EXAMPLES_EACH)
    @given(data=st.data())
    def fuzz_one(data: st.DataObject) -> None:
        bad = data.draw(INCIDENT_FAULTS[fault](fuzz.context), label="bad report")
        command_id = fuzz.command_id()
        fuzzed.append(command_id)
        outcome, dead = submit(fuzz.redis, bad.make(command_id), command_id, bad.dead_lettered, service="incidents")
        check(bad, outcome, dead, command_id)
        fuzz.still_answers()

    fuzz_one()
    assert len(fuzzed) == INCIDENT_EXAMPLES_EACH
    incidents_still_fine(fuzz, fuzzed)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_liaison_send_answers_every_mutated_incidents_line_with_a_precise_rejection(
    incidents_fuzz: IncidentsFuzz, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`liaison send` answers every mutated incidents line (and every line it must refuse itself) with one
    rejection, in order, with the code its fault calls for whether the CLI or the incidents service answers."""
    fuzz = incidents_fuzz
    monkeypatch.setenv("LIAISON_REDIS_URL", fuzz.stack.url)
    fuzzed: list[str] = []

    @settings(FUZZ, max_examples=30)  # each example runs the whole send loop on up to 4 lines
    @given(data=st.data())
    def fuzz_lines(data: st.DataObject) -> None:
        lines = draw_lines(data, INCIDENT_FAULTS, fuzz.context, fuzz.ids)
        fuzzed.extend(command_id for _, bad, command_id in lines if command_id and bad and bad.local is None)
        out = io.StringIO()
        source = io.BytesIO(b"\n".join(line for line, _, _ in lines) + b"\n")
        code = asyncio.run(send_lines(source, out, 15.0, KEYRING))
        check_cli_answers(lines, out.getvalue(), code)
        fuzz.still_answers()

    fuzz_lines()
    gc.collect()  # finalise the leaked connections here, under this test's filter, not in the next test
    assert fuzzed, "no mutated line reached the incidents service"
    incidents_still_fine(fuzz, fuzzed)

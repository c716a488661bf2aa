"""shared.logging: one JSON object per line for structlog and stdlib loggers alike, ids bound per task."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import structlog

from shared.logging import bound

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = textwrap.dedent(
    """
    import logging, sys
    import structlog
    from shared.logging import bound, configure, faststream_logger
    configure("trial", json={json})
    with bound(case_id="HL-1", command_id="cmd-1", event_id=None):
        structlog.get_logger("trial").info("accepted", events=2)
        logging.getLogger("aiohttp.server").warning("peer %s went away", "1.2.3.4")
        faststream_logger().info("Received", extra={{"channel": "liaison:intake:hotline", "message_id": "m-1"}})
        faststream_logger().info("callback for Task-52 is being executed...")  # FastStream's chatter: dropped
    fs = logging.getLogger("faststream.access.redis")
    fs.setLevel(logging.DEBUG)
    fs.debug("batch of 3 received")  # below the configured level: dropped
    try:
        1 / 0
    except ZeroDivisionError:
        structlog.get_logger("trial").exception("failed")
    import threading  # a library's worker thread: no context variables of ours there
    worker = threading.Thread(target=lambda: logging.getLogger("redis").warning("from a thread"))
    worker.start()
    worker.join()
    print("done", file=sys.stdout)
    """
)


def _run(as_json: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM.format(json=as_json)],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=True,
    )


def test_every_line_is_one_json_object_with_the_service_and_bound_ids() -> None:
    """structlog, stdlib (aiohttp) and FastStream lines all render as JSON on stderr, with no ANSI codes; FastStream's
    task-supervisor chatter at INFO is not among them."""
    ran = _run(as_json=True)
    assert ran.stdout == "done\n"
    assert "\x1b" not in ran.stderr
    lines = [json.loads(line) for line in ran.stderr.splitlines()]
    assert [line["event"] for line in lines] == [
        "accepted", "peer 1.2.3.4 went away", "Received", "failed", "from a thread"
    ]
    assert all(line["service"] == "trial" and line["timestamp"].endswith("Z") for line in lines)
    for line in lines[:3]:
        assert (line["case_id"], line["command_id"]) == ("HL-1", "cmd-1")
        assert "event_id" not in line
    assert lines[0]["events"] == 2
    assert (lines[1]["logger"], lines[1]["level"]) == ("aiohttp.server", "warning")
    assert (lines[2]["channel"], lines[2]["message_id"]) == ("liaison:intake:hotline", "m-1")
    assert "case_id" not in lines[3]
    assert "ZeroDivisionError" in lines[3]["exception"]


def test_terminal_lines_are_readable_and_uncoloured() -> None:
    """With json=False the lines are key=value text, still without ANSI codes."""
    ran = _run(as_json=False)
    assert "\x1b" not in ran.stderr
    first = ran.stderr.splitlines()[0]
    assert "accepted" in first
    assert "case_id=HL-1" in first
    assert not first.startswith("{")


async def test_bound_ids_belong_to_their_own_task_and_end_with_the_block() -> None:
    """Two tasks binding different case ids each see their own; after the block the ids are gone."""

    async def one(case_id: str) -> None:
        with bound(case_id=case_id):
            await asyncio.sleep(0.01)
            structlog.get_logger().info("step")

    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await asyncio.gather(one("A"), one("B"))
        structlog.get_logger().info("after")
    assert sorted(line.get("case_id") for line in logs[:2]) == ["A", "B"]
    assert "case_id" not in logs[2]

"""``liaison send``: reports as JSON lines in, one JSON outcome per line out, in input order."""

from __future__ import annotations

import asyncio
import sys
from typing import IO, Any

import msgspec

from liaison import exits
from liaison.connect import open_redis
from liaison.report.follow_ups import follow_up_cases
from liaison.report.keyring import Keyring
from liaison.report.sender import Sender, route, served

IN_FLIGHT = 1000
"""Reports sent ahead of the outcome being waited for; bounds memory on a large input."""

Pending = tuple[str | None, dict[str, Any], asyncio.Future[bytes] | dict[str, Any]]
"""A line sent (its command id and report) and its outcome: awaited, or already known (refused locally)."""


def _unanswered(command_id: str, timeout: float) -> dict[str, Any]:
    return {
        "command_id": command_id,
        "status": "unanswered",
        "reason": {
            "code": "no_outcome",
            "message": f"no outcome within {timeout:g} s: is the service running? (`liaison up`); "
            "sending the same report again is safe",
        },
    }


async def send_lines(source: IO[bytes], out: IO[str], wait_s: float, keyring: Keyring | None = None) -> int:
    """Send every non-blank line; print outcomes in order; return the exit code."""
    worst = exits.OK
    client = await open_redis()
    pending: asyncio.Queue[Pending] = asyncio.Queue(IN_FLIGHT)

    async def printer() -> None:
        nonlocal worst
        while True:
            command_id, report, waiting = await pending.get()
            if isinstance(waiting, dict):
                outcome = waiting
            else:
                try:
                    outcome = msgspec.json.decode(await asyncio.wait_for(waiting, wait_s))
                except TimeoutError:
                    outcome = _unanswered(command_id or "", wait_s)
            status = outcome.get("status")
            if status == "rejected":
                worst = max(worst, exits.REJECTED)
            elif status != "accepted":
                worst = max(worst, exits.USAGE)
            elif follow_ups := follow_up_cases(report, outcome, service_of):
                outcome["follow_up_cases"] = follow_ups  # e.g. the incident an urgent call raises (ADR 0005)
            out.write(msgspec.json.encode(outcome).decode() + "\n")
            out.flush()
            pending.task_done()

    try:
        service_of = await served(client)
        async with Sender(client, keyring) as sender:
            printing = asyncio.create_task(printer())
            while True:
                # Read in a thread: on a terminal, waiting for the next line must not stop
                # outcomes of the lines already sent from being printed.
                raw = await asyncio.to_thread(source.readline)
                if not raw:
                    break
                line = raw.strip()
                if not line:
                    continue
                routed = route(line)
                if isinstance(routed, dict):
                    await pending.put((None, {}, routed))
                    continue
                service, command_id = routed
                future = await sender.send(service, command_id, line)
                # decoded a second time only when a follow-up can be named (the incidents service runs)
                report = msgspec.json.decode(line) if "RaiseIncident" in service_of else {}
                await pending.put((command_id, report, future))
            await pending.join()
            printing.cancel()
    finally:
        await client.aclose()
    return worst


def run(path: str | None, timeout: float, keyring: Keyring | None = None) -> int:
    """Entry point of ``liaison send [FILE|-] [--key KEYFILE]``."""
    if path in (None, "-"):
        return asyncio.run(send_lines(sys.stdin.buffer, sys.stdout, timeout, keyring))
    try:
        with open(path, "rb") as handle:
            return asyncio.run(send_lines(handle, sys.stdout, timeout, keyring))
    except FileNotFoundError as err:
        raise exits.CliError(f"no such file: {path}") from err

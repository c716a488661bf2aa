"""Mutation testing of the append script's checks (``shared/store/append.lua``) against the contract suite.

mutmut and cosmic-ray mutate Python only, so the Lua checks get a hand-written list of mutations:
each comparison flipped or loosened, each check removed. Each is applied alone to a copy of the
project (never to the working tree), and ``pytest tests/contract -x -q`` runs there on a real
redis-server and a local Redis Cluster, the copy first on the path. A mutant is killed when the
suite fails, survived when it passes.

Usage: ``python scripts/mutate_lua.py [--only NAME ...] [--keep]``; ``make mutate`` runs it. The
exit status is 0 when every mutant is killed, 1 when one survived, 2 when the run itself is broken
(a mutation no longer applies, or the unmutated copy fails its contract tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path("shared/store/append.lua")
COPIED = ("shared", "services", "liaison", "tests", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", "mutants")
TIMEOUT = 600.0
"""Seconds one contract run may take; a mutant that makes it hang counts as a timeout (killed, not survived)."""


@dataclass(frozen=True)
class Mutation:
    """One change to the script: ``old`` (found exactly once) replaced by ``new``."""

    name: str
    what: str
    old: str
    new: str


MUTATIONS = (
    Mutation(
        "cmd-dedup-removed",
        "a resent command id is not recognised",
        "  if recorded then\n",
        "  if false then\n",
    ),
    Mutation(
        "retry-never-recognised",
        "an append whose event ids are all recorded is not a retry",
        "if #found == count then",
        "if #found > count then",
    ),
    Mutation(
        "partial-dup-one-slips",
        "a single already-recorded event id among new ones is let through",
        "elseif #found > 0 then",
        "elseif #found > 1 then",
    ),
    Mutation(
        "partial-dup-removed",
        "a partial duplicate is not refused",
        "elseif #found > 0 then",
        "elseif false then",
    ),
    Mutation(
        "version-stale-accepted",
        "an append at a version below the case's is accepted",
        "if version ~= expected then",
        "if version > expected then",
    ),
    Mutation(
        "version-ahead-accepted",
        "an append at a version above the case's is accepted",
        "if version ~= expected then",
        "if version < expected then",
    ),
    Mutation(
        "version-check-removed",
        "the expected version is not checked",
        "if version ~= expected then",
        "if false then",
    ),
    Mutation(
        "link-first-event-only",
        "only the first event's link is checked (the 2nd..nth may fork)",
        "  if ARGV[base + 2] ~= prev then",
        "  if i == 1 and ARGV[base + 2] ~= prev then",
    ),
    Mutation(
        "link-later-events-only",
        "the first event's link to the head is not checked",
        "  if ARGV[base + 2] ~= prev then",
        "  if i > 1 and ARGV[base + 2] ~= prev then",
    ),
    Mutation(
        "link-check-removed",
        "no link is checked",
        "  if ARGV[base + 2] ~= prev then",
        "  if false then",
    ),
    Mutation(
        "link-not-advanced",
        "every event is checked against the head, not against the event before it",
        "  prev = ARGV[base + 3]\n",
        "",
    ),
    Mutation(
        "head-version-plus-one",
        "the case's version moves by one whatever the number of events",
        'tostring(expected + count) .. " " .. prev',
        'tostring(expected + 1) .. " " .. prev',
    ),
    Mutation(
        "head-hash-not-moved",
        "the case's head hash stays at the old head",
        'tostring(expected + count) .. " " .. prev',
        'tostring(expected + count) .. " " .. head',
    ),
    Mutation(
        "numbering-off-by-one",
        "the partition's numbering skips a number per append",
        '"n", tostring(first + i)',
        '"n", tostring(first + i + 1)',
    ),
)


def apply(source: str, mutation: Mutation) -> str:
    """The script with ``mutation`` applied; ValueError if its ``old`` text is not there exactly once."""
    found = source.count(mutation.old)
    if found != 1:
        raise ValueError(f"{mutation.name}: {mutation.old!r} occurs {found} times in {SCRIPT}, not once")
    return source.replace(mutation.old, mutation.new)


def copy_project(into: Path) -> None:
    """Copy what the contract suite needs into ``into``."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=IGNORED)
        else:
            shutil.copy2(source, into / name)


def contract_suite(copy: Path) -> tuple[str, float, str]:
    """Run the contract suite in the copy: ("passed", "failed" or "timeout", seconds, last line of its output)."""
    env = os.environ | {"PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "tests/contract", "-x", "-q", "-p", "no:cacheprovider"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started, f"timed out after {TIMEOUT:.0f} s"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    outcome = "passed" if done.returncode == 0 else "failed"
    return outcome, time.monotonic() - started, lines[-1] if lines else f"exit {done.returncode}"


def main(argv: list[str] | None = None) -> int:
    """Run every (or each named) mutation in a copy and print killed / survived; the exit status says which."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutations")
    parser.add_argument("--keep", action="store_true", help="keep the copy (its path is printed)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    unknown = set(args.only or ()) - {m.name for m in MUTATIONS}
    if unknown:
        print(f"unknown mutation(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    original = (ROOT / SCRIPT).read_text(encoding="utf-8")
    try:
        mutated = [(m, apply(original, m)) for m in chosen]
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    copy = Path(tempfile.mkdtemp(prefix="liaison-mutate-lua-"))
    try:
        copy_project(copy)
        outcome, seconds, last = contract_suite(copy)
        print(f"baseline (unmutated): {outcome} in {seconds:.0f} s: {last}", flush=True)
        if outcome != "passed":
            return 2
        verdicts: dict[str, int] = {"killed": 0, "timeout": 0, "SURVIVED": 0}
        for mutation, text in mutated:
            (copy / SCRIPT).write_text(text, encoding="utf-8")
            outcome, seconds, last = contract_suite(copy)
            verdict = {"passed": "SURVIVED", "failed": "killed", "timeout": "timeout"}[outcome]
            verdicts[verdict] += 1
            print(f"{verdict:8} {mutation.name:24} ({mutation.what}) in {seconds:.0f} s: {last}", flush=True)
        (copy / SCRIPT).write_text(original, encoding="utf-8")
        print(
            f"append.lua: {verdicts['killed']} killed, {verdicts['timeout']} timeout, "
            f"{verdicts['SURVIVED']} survived of {len(mutated)} mutants"
        )
        return 1 if verdicts["SURVIVED"] else 0
    finally:
        if args.keep:
            print(f"copy kept at {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""An outsider's verifier (scripts/verify-log.mjs, Node.js, written from docs/log-format.md) on a real export.

Simulated traffic goes through the real hotline service, ``liaison export`` writes the log, and the
Node.js verifier must accept it with the export header's own counts and digest, and refuse a copy with
one altered byte or one deleted line, naming the line. Node.js is installed by the set-up (``make test``
runs scripts/ensure-debian-package.sh), so a missing ``node`` fails this module; ``LIAISON_SKIP_NODE=1`` skips it
on purpose.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shared.store import keys
from shared.store.audit import digest_of
from shared.store.chain import GENESIS, link
from tests.e2e.conftest import ROOT, Deployment

DOC = ROOT / "docs" / "log-format.md"
EXAMPLE = re.compile(r"<!-- worked-example: begin.*?-->\n```jsonl\n(.*?)```\n<!-- worked-example: end -->", re.S)
NODE = shutil.which("node")
VERIFIER = ROOT / "scripts" / "verify-log.mjs"
SKIP_NODE = os.environ.get("LIAISON_SKIP_NODE") == "1"
MISSING = ("Node.js is not installed (no `node` on PATH): the outside verifier cannot run. Fix: `make test` as root "
           "installs it (scripts/ensure-debian-package.sh), or `sudo apt-get install nodejs`")
SUMMARY = re.compile(r"^verified: (\d+) events of (\d+) cases over (\d+) partitions, (\d+) command records; "
                     r"chain heads digest ([0-9a-f]{64})$")

if NODE is None and SKIP_NODE:
    pytest.skip(f"LIAISON_SKIP_NODE=1: {MISSING}", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def node_installed() -> None:
    """Fail (not skip) each test of the module when node is missing, unless skipped on purpose."""
    if NODE is None:
        pytest.fail(f"{MISSING} (set LIAISON_SKIP_NODE=1 to skip the outside verifier on purpose)", pytrace=False)


def _verify(path: Path) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run([NODE, str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60, check=False)


def _export(deployment: Deployment, tmp_path: Path) -> Path:
    deployment.start("hotline")
    simulated = deployment.liaison("simulate", "--events", "300", "--seed", "7", "--json")
    assert simulated.returncode == 0, simulated.stderr
    out = tmp_path / "log.jsonl"
    exported = deployment.liaison("export", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    return out


def test_the_node_verifier_accepts_a_real_export_and_names_the_line_of_a_tampering(
    deployment: Deployment, tmp_path: Path
) -> None:
    """A real export verifies in Node.js with the header's counts and digest; one altered byte fails naming its
    line, and one deleted line fails naming the line where the gap shows."""
    out = _export(deployment, tmp_path)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    header: dict[str, Any] = json.loads(lines[0])
    assert header["events"] >= 300
    assert header["cases"] > 10
    assert sum(1 for c in header["counts"] if c["entries"] > 0) == header["partitions"] == 4

    verified = _verify(out)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    summary = SUMMARY.match(verified.stdout.strip())
    assert summary is not None, verified.stdout
    commands = sum(c["commands"] for c in header["counts"])
    assert summary.groups() == (str(header["events"]), str(header["cases"]), "4", str(commands), header["digest"])

    # One byte of one event's officer name, deep in the log: the line's hash no longer recomputes.
    i = next(i for i, line in enumerate(lines) if i > 100 and '"kind":"entry"' in line and '\\"officer\\":\\"' in line)
    altered = lines.copy()
    altered[i] = lines[i].replace('\\"officer\\":\\"', '\\"officer\\":\\"X', 1)
    tampered = tmp_path / "altered.jsonl"
    tampered.write_text("".join(altered), encoding="utf-8")
    refused = _verify(tampered)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"line {i + 1}: " in refused.stderr, refused.stderr
    assert "hash mismatch" in refused.stderr, refused.stderr

    # One entry deleted whose partition goes on after it: the next line shows the gap in the numbering.
    j = next(j for j in range(50, len(lines) - 1)
             if '"kind":"entry"' in lines[j] and '"kind":"entry"' in lines[j + 1]
             and json.loads(lines[j])["partition"] == json.loads(lines[j + 1])["partition"])
    deleted = tmp_path / "deleted.jsonl"
    deleted.write_text("".join(lines[:j] + lines[j + 1:]), encoding="utf-8")
    refused = _verify(deleted)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    number = json.loads(lines[j])["n"]
    assert f"line {j + 1}: partition {json.loads(lines[j])['partition']}: entry #{number} missing" in refused.stderr, \
        refused.stderr


def test_the_worked_example_of_the_log_format_page_is_what_the_code_computes(tmp_path: Path) -> None:
    """docs/log-format.md's example export recomputes with the project's own link, partition and digest, and the
    Node.js verifier accepts it."""
    found = EXAMPLE.search(DOC.read_text(encoding="utf-8"))
    assert found is not None, "docs/log-format.md lost its worked-example markers"
    header, *entries = (json.loads(line) for line in found.group(1).splitlines())
    prev = GENESIS
    for version, entry in enumerate(entries, start=1):
        event = json.loads(entry["e"])
        assert (event["case_version"], entry["n"], entry["prev"]) == (version, version, prev)
        assert entry["hash"] == link(prev, entry["e"].encode("utf-8"))
        assert keys.partition_of(event["case_id"], header["partitions"]) == entry["partition"] == 2
        prev = entry["hash"]
    assert header["digest"] == digest_of({event["case_id"]: (len(entries), prev)})
    example = tmp_path / "example.jsonl"
    example.write_text(found.group(1), encoding="utf-8")
    verified = _verify(example)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("verified: 2 events of 1 cases over 4 partitions"), verified.stdout

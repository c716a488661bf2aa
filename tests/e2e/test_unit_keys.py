"""An officer's own key, end to end with the CLI: refused until registered, accepted once it is, refused once revoked,
and the whole history in the log."""

from __future__ import annotations

import json
from typing import Any

from shared.access.signatures import REGISTRY_CASE
from tests.e2e.conftest import Deployment

UNIT = "VN-LC-IBGS"


def _send(deployment: Deployment, report: dict[str, Any], *args: str) -> dict[str, Any]:
    run = deployment.liaison("send", *args, stdin=json.dumps(report).encode())
    outcome: dict[str, Any] = json.loads(run.stdout)
    return outcome


def test_a_new_key_signs_once_registered_and_no_longer_once_revoked(deployment: Deployment) -> None:
    """keygen -> send refused (not registered) -> register -> accepted -> revoke -> refused ``key_revoked``."""
    deployment.start("hotline")
    key = str(deployment.workdir / "lao-cai.key")
    made = deployment.liaison("keygen", "--unit", UNIT, "--out", key)
    assert made.returncode == 0, made.stderr
    report = json.loads(deployment.liaison("example", "LogCall").stdout)
    assert report["unit"] == UNIT
    report["command_id"] = "own-key-1"

    refused = _send(deployment, report, "--key", key)
    assert (refused["status"], refused["reason"]["code"]) == ("rejected", "bad_signature")
    assert "not registered" in refused["reason"]["message"]

    registered = deployment.liaison_json("unit-key", "register", UNIT, key + ".pub")
    assert registered["registered"] is True
    key_id = registered["key_id"]
    accepted = _send(deployment, report, "--key", key)  # the same id: a refused signature claimed nothing
    assert accepted["status"] == "accepted", accepted

    revoke = deployment.liaison("unit-key", "revoke", key_id, "--reason", "tablet lost on patrol")
    assert revoke.returncode == 0, revoke.stderr
    report["command_id"] = "own-key-2"
    revoked = _send(deployment, report, "--key", key)
    assert (revoked["status"], revoked["reason"]["code"]) == ("rejected", "key_revoked")

    listed = {row["key_id"]: row for row in deployment.liaison_json("unit-key", "list")}
    assert (listed[key_id]["holder"], listed[key_id]["state"]) == (UNIT, "revoked")
    history = deployment.liaison("events", REGISTRY_CASE, "--json")
    assert history.returncode == 0, history.stderr
    mine = [json.loads(line)["event"] for line in history.stdout.splitlines()]
    mine = [e for e in mine if e.get("key_id") == key_id]
    assert [e["type"] for e in mine] == ["UnitKeyRegistered", "UnitKeyRevoked"]
    assert mine[1]["reason"] == "tablet lost on patrol"
    checked = deployment.liaison_json("proofs")  # the accepted report's proof still holds: signed before revocation
    assert (checked["verified"], checked["failures"]) == (1, [])


def test_a_report_of_a_unit_the_sender_holds_no_key_for_is_answered_unsigned(deployment: Deployment) -> None:
    """Without the unit's key on the box or ``--key``, the report goes unsigned and the service says how to sign."""
    deployment.start("hotline")
    (deployment.workdir / "var" / "keys" / f"{UNIT}.key").unlink()
    report = json.loads(deployment.liaison("example", "LogCall").stdout)
    outcome = _send(deployment, report)
    assert (outcome["status"], outcome["reason"]["code"]) == ("rejected", "unsigned")
    assert "--key" in outcome["reason"]["message"]

"""ADR 0016 end to end: a victim registered, handed over through the services, then forgotten.

Afterwards no output of the CLI, no Redis value and no file of the append-only log holds any of
the person's data, and the auditor's replay still verifies every chain.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from shared.store import keys
from tests.e2e.conftest import READS, Deployment, wait_until
from tests.integration.vault.redis_values import every_value
from tests.unit.hotline.reports import log_call
from tests.unit.incidents import handover_reports as ho
from tests.unit.incidents.reports import CN, VN, text

VICTIM = {
    "name": "Phàn Thị Xuyến",
    "other_names": ["范氏串"],
    "born": "2003",
    "sex": "female",
    "nationality": "VN",
    "home_address": "Bản Tả Phìn, xã Tả Phìn, thị xã Sa Pa",
    "phone": "+84 961 222 333",
    "documents": [{"kind": "identity_card", "number": "010303004567"}],
}
SECRETS = ["Phàn Thị Xuyến", "范氏串", "Tả Phìn", "961 222 333", "010303004567"]
"""Every personal field, as it would appear in clear (UTF-8 in Redis and on disk, also JSON-escaped below)."""


def _send(deployment: Deployment, report: dict[str, Any]) -> dict[str, Any]:
    """Send one report with `liaison send` and return its outcome."""
    result = deployment.liaison("send", "-", stdin=msgspec.json.encode(report) + b"\n")
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


def _hand_over(deployment: Deployment, subject_id: str) -> str:
    """Hekou hands the rescued woman back to Lao Cai; one report names her in its text and is refused."""
    proposal = _send(deployment, ho.propose(command_id="e2e-propose", unit=CN, to_unit=VN,
                                            persons=[ho.person(subject_id)]))
    assert proposal["status"] == "accepted", proposal
    case_id: str = proposal["case_id"]
    named = ho.assess(command_id="e2e-assess-named", case_id=case_id, unit=CN,
                      summary={"original": "zh", "zh": "范氏串的家属已联系，无再次被拐风险。"})
    refused = _send(deployment, named)
    assert refused["reason"]["code"] == "names_vault_subject", refused
    steps = [
        ho.verify(subject_id, command_id="e2e-verify", unit=VN, nationality="VN"),
        ho.assess(command_id="e2e-assess", unit=CN, summary=text("Gia đình đã được liên hệ", "已联系家属")),
        ho.consent(subject_id, command_id="e2e-consent", unit=CN),
        ho.accept(command_id="e2e-accept", unit=VN),
    ]
    for step in steps:
        outcome = _send(deployment, step | {"case_id": case_id})
        assert outcome["status"] == "accepted", outcome
    return case_id


def _redis_values(url: str) -> list[bytes]:
    async def read() -> list[bytes]:
        client = AsyncRedis.from_url(url)
        try:
            return await every_value(client)
        finally:
            await client.aclose()

    return asyncio.run(read())


def _forms(secret: str) -> list[bytes]:
    """The secret as UTF-8 and as JSON writes it with non-ASCII escaped."""
    return [secret.encode(), json.dumps(secret)[1:-1].encode()]


def test_after_forget_the_person_is_nowhere_and_the_log_still_verifies(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readable via person show before; after forget, absent from every output, Redis value and AOF file
    (a hotline call and a handover report that named her were refused, their intake entries deleted; a malformed
    call naming her was dead-lettered without its body, its entry deleted too)."""
    monkeypatch.setitem(READS, "incidents", (keys.intake("incidents"), "incidents"))
    for service in ("hotline", "incidents", "projections"):
        deployment.start(service)
    added = deployment.liaison("person", "add", "-", stdin=json.dumps(VICTIM).encode())
    assert added.returncode == 0, added.stderr
    subject_id = added.stdout.strip()
    call = log_call("e2e-call-named", summary={"original": "vi", "vi": "Gia đình chị Phàn Thị Xuyến đã được báo",
                                                "zh": "已通知范氏串的家属"})
    refused_call = _send(deployment, call)
    assert refused_call["reason"]["code"] == "names_vault_subject", refused_call  # the hotline refuses it too
    malformed = _send(deployment, call | {"command_id": "e2e-call-malformed", "direction": "sideways"})
    assert malformed["reason"]["code"] == "malformed", malformed  # dead-lettered without its body
    case_id = _hand_over(deployment, subject_id)
    wait_until(lambda: deployment.liaison_json("case", case_id)["version"] == 5, 20, "the handover's view")
    shown = deployment.liaison("person", "show", subject_id)
    assert shown.returncode == 0
    assert "Phàn Thị Xuyến" in shown.stdout
    assert "010303004567" in shown.stdout
    sync = Redis.from_url(deployment.redis.url)
    key: Any = sync.get(keys.vault_key(subject_id))
    sealed: Any = sync.get(keys.vault_data(subject_id))
    sync.close()
    assert isinstance(key, bytes)  # kept to look for the key's own bytes once it is deleted
    assert isinstance(sealed, bytes)

    forgot = deployment.liaison("forget", subject_id)
    assert forgot.returncode == 0, forgot.stderr
    assert "append-only file rewritten" in forgot.stdout

    outputs = {
        "cases": deployment.liaison("cases", "--json"),
        "case": deployment.liaison("case", case_id, "--json"),
        "events": deployment.liaison("events", case_id, "--json"),
        "replay": deployment.liaison("replay", "--json"),
        "person show": deployment.liaison("person", "show", subject_id),
    }
    if "export" in deployment.liaison("--help").stdout:  # the auditor's export of the whole log
        outputs["export"] = deployment.liaison("export")
        assert outputs["export"].returncode == 0, outputs["export"].stderr
        assert subject_id in outputs["export"].stdout  # it did export the handover (by pseudonym)
    assert outputs["replay"].returncode == 0, outputs["replay"].stdout + outputs["replay"].stderr
    assert subject_id in outputs["events"].stdout  # the log keeps the pseudonym, and only that
    assert outputs["person show"].returncode == 1
    assert "forgotten" in outputs["person show"].stdout
    for name, result in outputs.items():
        for clear in SECRETS:
            for form in _forms(clear):
                assert form.decode() not in result.stdout + result.stderr, f"{clear!r} in `liaison {name}`"

    traces = [form for s in SECRETS for form in _forms(s)] + [key, sealed]
    values = _redis_values(deployment.redis.url)
    assert values, "Redis was read"
    for value in values:
        for secret in traces:
            assert secret not in value, f"{secret[:20]!r} found in a Redis value {value[:60]!r}"

    aof_files = list((deployment.redis.data_dir / "appendonlydir").iterdir())
    assert aof_files
    for path in aof_files:
        content = path.read_bytes()
        for secret in traces:
            assert secret not in content, f"{secret[:20]!r} found on disk in {path.name}"

    verify = deployment.liaison("replay", "--verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

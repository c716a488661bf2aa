"""The auditors' hand-over with real processes: Lao Cai exports its log and signs a report; Hekou imports
the export into its own Redis, its projections build the same case views, and the report checks out there."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from shared.redis_server import RedisServer
from tests.e2e.conftest import Deployment, wait_until


def _other_side(make_redis_server: Callable[..., RedisServer], tmp_path: Path) -> Deployment:
    server = make_redis_server()
    workdir = tmp_path / "other"
    workdir.mkdir()
    env = {**os.environ, "LIAISON_REDIS_URL": server.url, "LIAISON_PARTITIONS": "4",
           "LIAISON_VAR": str(workdir / "var"), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return Deployment(server, workdir, env)


def test_an_imported_log_projects_to_the_same_views_and_verifies_the_signed_report(
    deployment: Deployment, make_redis_server: Callable[..., RedisServer], tmp_path: Path
) -> None:
    """Simulated traffic through the hotline; export, keygen and audit-report on one side; import on the
    other, whose projections worker then shows exactly the first side's cases (and the replay there finds no
    difference); verify-report against the imported store finds exactly the report's chain heads."""
    deployment.start("hotline")
    deployment.start("projections")
    simulated = deployment.liaison("simulate", "--events", "200", "--json")
    assert simulated.returncode == 0, simulated.stderr
    wait_until(lambda: deployment.liaison("replay", "--rebuild").returncode == 0, 40, "the views to catch up")
    export = tmp_path / "lao-cai.jsonl"
    exported = deployment.liaison("export", "--out", str(export))
    assert exported.returncode == 0, exported.stderr
    key = tmp_path / "lc.key"
    assert deployment.liaison("keygen", "--unit", "VN-LC-IBGS", "--out", str(key)).returncode == 0
    report = tmp_path / "report.json"
    issued = deployment.liaison("audit-report", "--unit", "VN-LC-IBGS", "--key", str(key), "--out", str(report))
    assert issued.returncode == 0, issued.stderr

    other = _other_side(make_redis_server, tmp_path)
    try:
        imported = other.liaison("import", str(export))
        assert imported.returncode == 0, imported.stderr
        other.start("projections")
        wait_until(lambda: other.liaison("replay", "--rebuild").returncode == 0, 40, "the imported views")
        assert other.liaison_json("cases") == deployment.liaison_json("cases")
        checked = other.liaison("verify-report", str(report), "--public-key", f"{key}.pub", "--against-store")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "exactly the report's" in checked.stdout
    finally:
        other.stop_all()

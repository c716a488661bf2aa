"""``python -m services.incidents`` as a real process: a bad policy file is refused by name.

What both intake services do alike as processes (no Redis, an unreachable one, serving and stopping on SIGTERM)
is tested once for both in tests/integration/intake/test_main.py."""

from __future__ import annotations

from pathlib import Path

from tests.integration.intake_apps import main_env, run_main


def test_a_bad_policy_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    """A policy file with a misspelt deadline is refused by name (variable, file and field), without a traceback."""
    policy = tmp_path / "policy.json"
    policy.write_text('{"acknowledge_within": "tomorrow"}')
    done = run_main("incidents", main_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1",
                                          LIAISON_INCIDENTS_POLICY=str(policy)))
    assert done.returncode == 2
    assert b"LIAISON_INCIDENTS_POLICY" in done.stderr
    assert b"acknowledge_within" in done.stderr
    assert b"Traceback" not in done.stderr
    missing = run_main("incidents", main_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1",
                                             LIAISON_INCIDENTS_POLICY=str(tmp_path / "nowhere.json")))
    assert missing.returncode == 2
    assert b"nowhere.json" in missing.stderr

"""``python -m services.hotline`` as a real process: a bad setting is refused by name.

What both intake services do alike as processes (no Redis, an unreachable one, serving and stopping on SIGTERM)
is tested once for both in tests/integration/intake/test_main.py."""

from __future__ import annotations

from pathlib import Path

from tests.integration.intake_apps import main_env, run_main


def test_a_bad_setting_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """An unusable LIAISON_RECLAIM_IDLE_MS is refused by name, without a traceback."""
    done = run_main("hotline", main_env(tmp_path, LIAISON_REDIS_URL="redis://127.0.0.1:1",
                                        LIAISON_RECLAIM_IDLE_MS="soon"))
    assert done.returncode == 2
    assert b"LIAISON_RECLAIM_IDLE_MS" in done.stderr
    assert b"Traceback" not in done.stderr

"""`liaison bench --quick --json` end to end: its own Redis, the real services, every figure present."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

KEYS = {
    "append": ("events_per_s", "baseline_per_s", "ratio"),
    "e2e": ("saturation_per_s", "p50_ms", "p99_ms", "p999_ms", "baseline_saturation_per_s", "baseline_p50_ms",
            "baseline_p99_ms", "baseline_p999_ms"),
    "replay": ("events_per_s", "baseline_per_s", "ratio"),
    "memory": ("bytes_per_event", "baseline_bytes_per_event"),
    "scaling": ("append_growth", "read_growth"),
}
POINT = ("events", "append_p50_ms", "append_p99_ms", "read_case_p50_ms", "read_case_p99_ms",
         "baseline_append_p50_ms", "baseline_read_p50_ms")


@pytest.mark.slow
def test_quick_bench_reports_every_figure_beside_its_baseline(tmp_path: Path) -> None:
    """The quick bench prints one JSON object with exactly the five paths, each figure a positive number,
    every report of the end-to-end runs answered and seen, and writes the markdown section it is asked for."""
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nHand-written notes stay.\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "liaison", "bench", "--quick", "--json", "--doc", str(doc)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert set(result) == set(KEYS)
    for path, names in KEYS.items():
        for name in names:
            value = result[path][name]
            assert isinstance(value, int | float), (path, name, value)
            assert value > 0, (path, name, value)
    points = result["scaling"]["points"]
    assert len(points) == 3
    assert [p["events"] for p in points] == sorted(p["events"] for p in points)
    for point in points:
        assert all(point[name] > 0 for name in POINT), point
    e2e = result["e2e"]
    assert e2e["missing"] == 0
    assert e2e["accepted"] == e2e["reports"]  # every report signed, every signature checked and accepted
    assert e2e["signing"]["sign_us_per_report"] > 0
    assert e2e["signing"]["check_us_per_report"] > 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nHand-written notes stay.")
    assert "<!-- bench:begin" in text
    assert "| append | events/s |" in text

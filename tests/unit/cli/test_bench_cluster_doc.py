"""The cluster bench's section of docs/benchmarks.md: written beside the single-Redis section, never over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liaison.bench import cluster_report, report


def _run(rate: float) -> dict[str, Any]:
    """A made-up result of ``liaison bench --cluster`` (its shape), services draining at ``rate`` on 1 master."""

    def drained(per_s: float, cpu: list[float]) -> dict[str, Any]:
        servers = [{"cpu_us_per_report": us, "commands_per_report": 12.0, "top_us_per_report": {"evalsha": us / 2}}
                   for us in cpu]
        return {"reports": 300, "accepted": 300, "per_s": per_s, "cpu_us_per_report": {"hotline": 400.0},
                "redis_cpu_us_per_report": sum(cpu), "servers": servers}

    def placed(ports: list[int], holds: list[list[str]], partitions: list[int]) -> list[dict[str, Any]]:
        return [{"port": p, "partitions": n, "holds": h, "used_memory_mb": 3.0}
                for p, h, n in zip(ports, holds, partitions, strict=True)]

    processes = {"hotline": 1, "projections": 1}
    return {"partitions": 16, "cluster": [
        {"masters": 1, "services": drained(rate, [300.0]), "skeleton": drained(rate * 4, [80.0]),
         "servers": placed([7001], [["intake", "outcomes"]], [16]), "processes": processes},
        {"masters": 3, "services": drained(rate, [150.0, 90.0, 90.0]), "skeleton": drained(rate * 5, [40.0, 25, 25]),
         "servers": placed([7101, 7102, 7103], [["intake"], [], ["outcomes"]], [6, 5, 5]), "processes": processes},
    ]}


INFO = {"date": "2026-12-06 08:30 UTC", "cpu": "test", "load": "1.00 1.00 1.00"}


def test_the_cluster_section_goes_beside_the_single_redis_one_and_replaces_only_itself(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    single = f"{report.BEGIN}\nthe single-Redis run\n{report.END}"
    doc.write_text(f"# Benchmarks\n\nHand-written.\n\n{single}\n\nMore notes.\n", encoding="utf-8")
    for rate in (1000.0, 2000.0):
        section = cluster_report.markdown(_run(rate), INFO, "liaison bench --cluster", "full", {"sizes": "s"})
        report.write(doc, section, cluster_report.BEGIN, cluster_report.END)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"# Benchmarks\n\nHand-written.\n\n{single}\n\nMore notes.\n")
    assert text.count(cluster_report.BEGIN) == 1
    assert "| 1 | 2,000 | 8,000 |" in text  # the second run's figures, the first run's gone
    assert "| 1 | 1,000 |" not in text
    assert "| 3 | 3 (:7103) | 5 | outcomes | 90 |" in text
    assert "3 masters against 1: services ×1.00 reports/s, skeleton ×1.25" in text


def test_the_busiest_master_is_its_share_of_the_clusters_redis_cpu() -> None:
    rows = cluster_report.summary(_run(1000.0))
    assert rows[0][5] == "100% of it"
    assert rows[1][5] == "45% of it"  # 150 of 330 µs

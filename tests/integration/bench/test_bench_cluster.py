"""`liaison bench --cluster --quick --json --no-doc` end to end: its own clusters, the real services, every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PARTITIONS = 16


@pytest.mark.slow
def test_quick_cluster_bench_drains_on_one_and_three_masters(tmp_path: Path) -> None:
    """Both topologies drain every report (every one accepted) at a positive rate, through the services and the
    skeleton; every master is measured, the partitions and the two single hot keys are each placed once, every
    master holding partitions spent CPU on them, and on 3 masters no one master did nearly all the work."""
    done = subprocess.run(
        [sys.executable, "-m", "liaison", "bench", "--cluster", "--quick", "--json", "--no-doc"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert [t["masters"] for t in result["cluster"]] == [1, 3]
    assert result["partitions"] == PARTITIONS
    for topology in result["cluster"]:
        services, skeleton, servers = topology["services"], topology["skeleton"], topology["servers"]
        assert services["per_s"] > 0, topology["masters"]
        assert skeleton["per_s"] > 0, topology["masters"]
        assert services["reports"] > 0
        assert services["accepted"] == services["reports"], topology["masters"]  # every one signed and accepted
        assert len(servers) == len(services["servers"]) == len(skeleton["servers"]) == topology["masters"]
        assert sum(s["partitions"] for s in servers) == PARTITIONS
        assert sorted(key for s in servers for key in s["holds"]) == ["intake", "outcomes"]
        for placed, used in zip(servers, services["servers"], strict=True):
            if placed["partitions"] or placed["holds"]:
                assert used["cpu_us_per_report"] > 0, (topology["masters"], placed)
                assert used["commands_per_report"] > 0, (topology["masters"], placed)
            assert placed["used_memory_mb"] > 0
        if topology["masters"] == 3:  # the partitions' work spread: no master did (nearly) all of it
            busiest = max(s["cpu_us_per_report"] for s in services["servers"])
            assert busiest < 0.9 * services["redis_cpu_us_per_report"], services["servers"]

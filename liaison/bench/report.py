"""How the figures are shown: a table for people, and the generated part of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import msgspec

BEGIN = "<!-- bench:begin (written by `liaison bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"

Row = tuple[str, str, str, str, str, str]
"""path, figure, value, raw-Redis baseline, ratio or note, target."""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _redis_version() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        return "unknown"
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"v=(\S+)", out)
    return found.group(1) if found else out.strip()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(redis_setup: str = "AOF, appendfsync always, unix socket") -> dict[str, str]:
    """What the figures were measured on; ``redis_setup``: how the bench's Redis was configured and reached."""
    load = os.getloadavg()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{_cpu_model()}, {os.cpu_count()} cores",
        "memory": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "redis": f"redis-server {_redis_version()} ({redis_setup})",
        "clients": f"redis-py {_version('redis')}, hiredis {_version('hiredis')}, msgspec {_version('msgspec')}, "
                   f"faststream {_version('faststream')}",
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def rows(result: dict[str, Any]) -> list[Row]:
    """The figures, each beside its baseline and its target (issue 14's: ratios to the baseline of the same run)."""
    a, e, r, m, s = (result[k] for k in ("append", "e2e", "replay", "memory", "scaling"))
    first, last = s["points"][0], s["points"][-1]
    return [
        ("append", "events/s", _n(a["events_per_s"]), _n(a["baseline_per_s"]), f"{a['ratio']:.2f}", "ratio >= 0.6"),
        ("e2e", "saturation reports/s", _n(e["saturation_per_s"]), _n(e["baseline_saturation_per_s"]),
         f"{e['saturation_per_s'] / e['baseline_saturation_per_s']:.2f}", "ratio >= 0.6, >= 10,000/s"),
        ("e2e", f"latency p50 at {e['offered_per_s']:,.0f}/s", f"{e['p50_ms']:.1f} ms",
         f"{e['baseline_p50_ms']:.1f} ms", "", ""),
        ("e2e", "latency p99", f"{e['p99_ms']:.1f} ms", f"{e['baseline_p99_ms']:.1f} ms",
         f"{e['p99_ms'] / e['baseline_p99_ms']:.1f}x", "<= 2x the skeleton's"),
        ("e2e", "latency p99.9", f"{e['p999_ms']:.1f} ms", f"{e['baseline_p999_ms']:.1f} ms", "", ""),
        ("signing", "µs per report: sign (tool) / check (intake)",
         f"{e['signing']['sign_us_per_report']:.0f} / {e['signing']['check_us_per_report']:.0f}", "—", "", ""),
        ("replay", "events/s (verify + rebuild)", _n(r["events_per_s"]), _n(r["baseline_per_s"]),
         f"{r['ratio']:.2f}", "ratio >= 0.5, >= 200,000/s"),
        ("memory", "bytes/event", _n(m["bytes_per_event"]), _n(m["baseline_bytes_per_event"]),
         f"{m['ratio']:.2f}x", "<= 900"),
        ("scaling", f"append p50 at {first['events']:,} / {last['events']:,} events",
         f"{first['append_p50_ms']:.2f} / {last['append_p50_ms']:.2f} ms",
         f"{first['baseline_append_p50_ms']:.2f} / {last['baseline_append_p50_ms']:.2f} ms",
         f"x{s['append_growth']:.2f} (raw x{last['baseline_append_p50_ms'] / first['baseline_append_p50_ms']:.2f})",
         "flat (<= x1.5)"),
        ("scaling", "one-case read p50", f"{first['read_case_p50_ms']:.2f} / {last['read_case_p50_ms']:.2f} ms",
         f"{first['baseline_read_p50_ms']:.2f} / {last['baseline_read_p50_ms']:.2f} ms",
         f"x{s['read_growth']:.2f} (raw x{last['baseline_read_p50_ms'] / first['baseline_read_p50_ms']:.2f})",
         "flat (<= x1.5)"),
    ]


HEADER: Row = ("path", "figure", "Liaison", "raw Redis", "ratio", "target")


def table(result: dict[str, Any]) -> str:
    """A plain-text table for a terminal."""
    body = [HEADER, *rows(result)]
    widths = [max(len(row[i]) for row in body) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(header: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    """The lines of a markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in body]
    return out


def markdown(result: dict[str, Any], info: dict[str, str], command: str, mode: str, details: dict[str, Any]) -> str:
    """The generated section of docs/benchmarks.md."""
    lines = [
        BEGIN,
        "",
        f"## Latest run ({mode})",
        "",
        f"`{command}` on {info['date']}.",
        "",
    ]
    lines += markdown_table(("machine", ""), [(k, v) for k, v in info.items() if k != "date"])
    lines += ["", *markdown_table(HEADER, [tuple(r) for r in rows(result)]), ""]
    s = result["scaling"]
    lines += ["Scaling, every point (p50 / p99, ms):", ""]
    lines += markdown_table(
        ("events in the log", "append", "raw XADD p50", "read one case", "raw XRANGE 10 p50"),
        [
            (f"{p['events']:,}", f"{p['append_p50_ms']:.2f} / {p['append_p99_ms']:.2f}",
             f"{p['baseline_append_p50_ms']:.2f}", f"{p['read_case_p50_ms']:.2f} / {p['read_case_p99_ms']:.2f}",
             f"{p['baseline_read_p50_ms']:.2f}")
            for p in s["points"]
        ],
    )
    e = result["e2e"]
    lines += [
        "",
        f"End to end: {e['processes']['hotline']} hotline and {e['processes']['projections']} projections process(es), "
        f"the same count for the raw skeleton; {e['reports']:,} reports drained at saturation "
        f"({e['accepted']:,} accepted); latency over {e['latency_reports']:,} reports "
        f"({e['missing']} without a visible update). CPU per report (µs): services "
        f"{_cpu(e['cpu_us_per_report'])}, Redis {e['redis_cpu_us_per_report']:.0f}; "
        f"skeleton {_cpu(e['baseline_cpu_us_per_report'])}, Redis {e['baseline_redis_cpu_us_per_report']:.0f}. "
        f"Latency per hop at the offered rate (p50 / p99, ms, Redis's clock): intake to log (hotline) "
        f"{_hop(e['hops'], 'intake_to_log')}, log to case update (projections) {_hop(e['hops'], 'log_to_update')}; "
        f"skeleton {_hop(e['baseline_hops'], 'intake_to_log')} and {_hop(e['baseline_hops'], 'log_to_update')}.",
        "",
        f"Sizes: {details['sizes']}.",
        "",
        END,
    ]
    return "\n".join(lines)


def _cpu(per_role: dict[str, float]) -> str:
    return ", ".join(f"{role} {value:.0f}" for role, value in sorted(per_role.items())) or "n/a"


def _hop(hops: dict[str, float], name: str) -> str:
    return f"{hops.get(name + '_p50_ms', 0.0):.0f} / {hops.get(name + '_p99_ms', 0.0):.0f}"


def write(path: Path, section: str, begin: str = BEGIN, end: str = END) -> None:
    """Put the section between the markers ``begin`` and ``end`` of ``path`` (kept text around them, and any
    other section), or at its end if it has none yet, or create the file."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if begin in text and end in text:
            before, rest = text.split(begin, 1)
            after = rest.split(end, 1)[1]
            path.write_text(before + section + after, encoding="utf-8")
            return
        path.write_text(text.rstrip() + "\n\n" + section + "\n", encoding="utf-8")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Benchmarks\n\n" + section + "\n", encoding="utf-8")


def say(message: str) -> None:
    """A progress line of the bench, on stderr (stdout carries the result)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def emit(
    result: dict[str, Any], info: dict[str, str], *, command: str, quick: bool, sizes: dict[str, Any],
    doc: Path | None, as_json: bool, markdown: Callable[..., str], table: Callable[[dict[str, Any]], str],
    markers: tuple[str, str] = (BEGIN, END),
) -> None:
    """What every bench run ends with: its section written into ``doc`` (with the load at the end of the run),
    then the result on stdout, as JSON or as a table."""
    if doc is not None:
        details = {"sizes": ", ".join(f"{k}={v}" for k, v in sizes.items())}
        info["load"] += f" at the start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end"
        write(doc, markdown(result, info, command, "quick" if quick else "full", details), *markers)
        say(f"wrote {doc}")
    if as_json:
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    else:
        print(table(result))

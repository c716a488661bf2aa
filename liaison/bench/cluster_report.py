"""How ``liaison bench --cluster`` shows its figures: a table for people, and its section of docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

from liaison.bench.report import markdown_table

BEGIN = "<!-- bench-cluster:begin (written by `liaison bench --cluster`; edit outside these markers) -->"
END = "<!-- bench-cluster:end -->"

SUMMARY = ("masters", "services reports/s", "skeleton reports/s", "services CPU µs/report", "Redis CPU µs/report",
           "busiest master", "skeleton Redis CPU µs/report", "accepted")
PER_MASTER = ("masters", "master", "partitions", "single hot keys", "Redis CPU µs/report", "commands/report",
              "costliest commands (µs/report)", "skeleton Redis CPU µs/report", "used_memory MB")


def _busiest(servers: list[dict[str, Any]]) -> float:
    """The busiest server's share of the Redis CPU (1.0 for one server; 1/n when n are loaded evenly)."""
    total = sum(s["cpu_us_per_report"] for s in servers)
    return max(s["cpu_us_per_report"] for s in servers) / total if total > 0 else 0.0


def summary(result: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row per topology."""
    rows: list[tuple[str, ...]] = []
    for t in result["cluster"]:
        s, k = t["services"], t["skeleton"]
        rows.append((
            str(t["masters"]), f"{s['per_s']:,.0f}", f"{k['per_s']:,.0f}",
            " + ".join(f"{role} {us:.0f}" for role, us in sorted(s["cpu_us_per_report"].items())),
            f"{s['redis_cpu_us_per_report']:.0f}", f"{_busiest(s['servers']):.0%} of it",
            f"{k['redis_cpu_us_per_report']:.0f}", f"{s['accepted']:,} of {s['reports']:,}",
        ))
    return rows


def per_master(result: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row per master of each topology."""
    rows: list[tuple[str, ...]] = []
    for t in result["cluster"]:
        for i, placed in enumerate(t["servers"]):
            used, raw = t["services"]["servers"][i], t["skeleton"]["servers"][i]
            top = ", ".join(f"{name} {us:.0f}" for name, us in used["top_us_per_report"].items())
            rows.append((
                str(t["masters"]), f"{i + 1} (:{placed['port']})", str(placed["partitions"]),
                ", ".join(placed["holds"]) or "—", f"{used['cpu_us_per_report']:.0f}",
                f"{used['commands_per_report']:.1f}", top, f"{raw['cpu_us_per_report']:.0f}",
                f"{placed['used_memory_mb']:.1f}",
            ))
    return rows


def shape(result: dict[str, Any]) -> str:
    """The most masters against the fewest: throughput, and the busiest master's Redis CPU per report."""
    few, many = result["cluster"][0], result["cluster"][-1]

    def top(t: dict[str, Any], run: str) -> float:
        return float(max(s["cpu_us_per_report"] for s in t[run]["servers"]))

    return (
        f"{many['masters']} masters against {few['masters']}: services "
        f"×{many['services']['per_s'] / few['services']['per_s']:.2f} reports/s, skeleton "
        f"×{many['skeleton']['per_s'] / few['skeleton']['per_s']:.2f}; the busiest master's Redis CPU per report "
        f"{top(few, 'services'):.0f} → {top(many, 'services'):.0f} µs (skeleton {top(few, 'skeleton'):.0f} → "
        f"{top(many, 'skeleton'):.0f} µs), the whole cluster's {few['services']['redis_cpu_us_per_report']:.0f} → "
        f"{many['services']['redis_cpu_us_per_report']:.0f} µs."
    )


def _plain(header: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in (header, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def table(result: dict[str, Any]) -> str:
    """Plain-text tables for a terminal."""
    return "\n".join([*_plain(SUMMARY, summary(result)), "", *_plain(PER_MASTER, per_master(result)), "",
                      shape(result)])


def markdown(result: dict[str, Any], info: dict[str, str], command: str, mode: str, details: dict[str, Any]) -> str:
    """The generated section of docs/benchmarks.md for the cluster run."""
    processes = result["cluster"][0]["processes"]
    lines = [BEGIN, "", f"### Latest cluster run ({mode})", "", f"`{command}` on {info['date']}.", ""]
    lines += markdown_table(("machine", ""), [(k, v) for k, v in info.items() if k != "date"])
    lines += ["", *markdown_table(SUMMARY, summary(result)), ""]
    lines += ["Per master (services' drain, then the skeleton's; memory after the services' drain):", ""]
    lines += [*markdown_table(PER_MASTER, per_master(result)), ""]
    lines += [
        shape(result),
        "",
        f"Every topology: {processes['hotline']} hotline and {processes['projections']} projections process(es), "
        f"the same count for the raw skeleton, {result['partitions']} partitions; reports/s from the first report "
        "queued to the last case update (Redis's clock); Redis CPU from `INFO cpu` of every master, commands from "
        "`INFO commandstats` (those a script runs included).",
        "",
        f"Sizes: {details['sizes']}.",
        "",
        END,
    ]
    return "\n".join(lines)

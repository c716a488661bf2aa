"""The command of whoever measures Liaison: ``bench``."""

from __future__ import annotations

import argparse
from pathlib import Path

from liaison.command import Command


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds); writes no doc unless --doc")
    parser.add_argument("--doc", type=Path, help="write the results into this markdown file "
                        "(default: docs/benchmarks.md in full mode)")
    parser.add_argument("--no-doc", dest="no_doc", action="store_true", help="write no markdown file")
    parser.add_argument("--cluster", action="store_true", help="instead: end-to-end saturation on a 1-master and a "
                        "3-master Redis Cluster started by the bench, with what each master spent per report")


def _bench(args: argparse.Namespace) -> int:
    from liaison.bench import cluster, measure

    doc = None if args.no_doc else (args.doc or (None if args.quick else measure.DOC))
    run = cluster.run if args.cluster else measure.run
    return run(quick=args.quick, as_json=args.json, doc=doc)


COMMANDS = (
    Command("bench", "measure every path against raw Redis on a private Redis (a few minutes)", _arguments, _bench),
)

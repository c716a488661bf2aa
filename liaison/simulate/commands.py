"""The command of whoever tries Liaison out or loads it: ``simulate``."""

from __future__ import annotations

import argparse
import asyncio

from liaison import exits
from liaison.command import Command


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, required=True, help="how many reports to send")
    parser.add_argument("--rate", type=float, help="reports per second (default: as fast as answered)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")


def _simulate(args: argparse.Namespace) -> int:
    from liaison.simulate.simulation import simulate

    if args.events < 1:
        raise exits.CliError("--events must be at least 1")
    return asyncio.run(simulate(args.events, args.rate, args.seed, args.json))


COMMANDS = (Command("simulate", "realistic liaison traffic between the seed units", _arguments, _simulate),)

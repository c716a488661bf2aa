"""One ``liaison`` command: its name, its help line, its arguments and what running it does.

Each job package lists its commands in its ``commands`` module; ``liaison.cli`` builds the
parser and the dispatch from those lists alone. A command's ``run`` imports what it needs when
it runs, so ``liaison --help`` loads no service, Redis client or crypto library.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of a command that takes none."""


def json_flag(parser: argparse.ArgumentParser) -> None:
    """``--json``: machine-readable output instead of the text for people."""
    parser.add_argument("--json", action="store_true")


@dataclass(frozen=True)
class Command:
    """A ``liaison`` subcommand; ``run`` gets the parsed arguments and returns the exit code."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]

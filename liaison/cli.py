"""The ``liaison`` command: one table of commands, grouped by the job a person comes for, from which both
the parser and the dispatch are built.

operate (``liaison.operate``), report (``liaison.report``), read (``liaison.read``), audit
(``liaison.audit``), simulate (``liaison.simulate``), bench (``liaison.bench``): each job package lists
its commands in its ``commands`` module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from redis.exceptions import ClusterDownError, NoPermissionError
from redis.exceptions import ConnectionError as RedisConnectionError

from liaison import exits
from liaison.audit.commands import COMMANDS as AUDIT
from liaison.bench.commands import COMMANDS as BENCH
from liaison.command import Command
from liaison.operate.commands import COMMANDS as OPERATE
from liaison.read.commands import COMMANDS as READ
from liaison.report.commands import COMMANDS as REPORT
from liaison.simulate.commands import COMMANDS as SIMULATE

COMMANDS: tuple[Command, ...] = OPERATE + REPORT + READ + AUDIT + SIMULATE + BENCH
"""Every ``liaison`` command, in the order ``liaison --help`` lists them."""

BY_NAME: dict[str, Command] = {command.name: command for command in COMMANDS}
"""The dispatch: the command of each name."""


def parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per entry of ``COMMANDS``."""
    built = argparse.ArgumentParser(prog="liaison", description="Liaison: cross-border hotline and liaison log.")
    sub = built.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
    return built


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; returns its exit code."""
    command = BY_NAME.get(args.command)
    if command is None:
        raise exits.CliError(f"unknown command {args.command}")
    return command.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``liaison`` console script."""
    args = parser().parse_args(argv)
    try:
        code = dispatch(args)
    except exits.CliError as err:
        print(f"liaison: {err}", file=sys.stderr)
        code = err.code
    except NoPermissionError as err:  # an ACL user without the right for this command (docs/security.md)
        user = os.environ.get("LIAISON_REDIS_USER", "operator")
        print(f"liaison: Redis refused this command to the user {user!r}: {err}", file=sys.stderr)
        code = exits.USAGE
    except (ClusterDownError, RedisConnectionError) as err:  # Redis went away mid-command (a failover, a restart)
        print(f"liaison: Redis did not answer ({type(err).__name__}: {err}); if a Redis Cluster is failing over, "
              "its replica takes over within seconds: run the command again (a report sent again is recorded once)",
              file=sys.stderr)
        code = exits.USAGE
    except KeyboardInterrupt:
        code = exits.OK
    except BrokenPipeError:
        code = exits.OK
    sys.exit(code)

"""The commands of the officers who report: ``example`` and ``send``."""

from __future__ import annotations

import argparse
import sys

from liaison import exits
from liaison.command import Command


def _example_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("type", nargs="?")
    parser.add_argument("--list", action="store_true", help="list the report types")


def _example(args: argparse.Namespace) -> int:
    import msgspec

    from liaison.report.examples import EXAMPLES, example

    if args.list or args.type is None:
        for name, build in EXAMPLES.items():
            print(f"{name:<20} {(build.__doc__ or '').strip().replace('``', '')}")  # no markup for people
        return exits.OK
    if args.type not in EXAMPLES:
        raise exits.CliError(f"unknown report type {args.type!r}; known: {', '.join(EXAMPLES)}")
    sys.stdout.write(msgspec.json.encode(example(args.type)).decode() + "\n")
    return exits.OK


def _send_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="a file of JSON lines, or - for standard input")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each outcome (default 30)")
    parser.add_argument("--key", action="append", default=[], metavar="KEYFILE",
                        help="sign the reports of the unit this private key file names (liaison keygen --unit); "
                        "may be given once per unit; the box's own keys (LIAISON_VAR/keys) sign the others")


def _send(args: argparse.Namespace) -> int:
    from liaison.report.keyring import Keyring
    from liaison.report.send import run

    return run(args.file, args.timeout, Keyring.of_box(args.key))


COMMANDS = (
    Command("example", "print a valid sample report of a type, as JSON", _example_arguments, _example),
    Command("send", "send reports (JSON lines) and print one outcome per line", _send_arguments, _send),
)

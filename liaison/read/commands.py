"""The commands of the people who read the cases: ``case``, ``cases``, ``events``, ``watch``."""

from __future__ import annotations

import argparse
import asyncio

from liaison.command import Command, json_flag


def _case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_id")
    parser.add_argument("--as-of", dest="as_of", help="the case as it stood at this instant (ISO time with offset)")
    json_flag(parser)


def _case(args: argparse.Namespace) -> int:
    from liaison.read.views import show_case

    return asyncio.run(show_case(args.case_id, args.as_of, args.json))


def _cases(args: argparse.Namespace) -> int:
    from liaison.read.views import show_cases

    return asyncio.run(show_cases(args.json))


def _events_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_id")
    json_flag(parser)


def _events(args: argparse.Namespace) -> int:
    from liaison.read.views import show_events

    return asyncio.run(show_events(args.case_id, args.json))


def _watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", dest="case_id")
    json_flag(parser)


def _watch(args: argparse.Namespace) -> int:
    from liaison.read.watch import watch

    return asyncio.run(watch(args.case_id, args.json))


def _help_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", choices=("handling",), help="handling: what the codes H0-H3 on every event mean")


def _help(args: argparse.Namespace) -> int:
    from shared.access.visibility import HANDLING

    print("Every event carries a handling code; a unit sees a case only if it is party to it, and in it:")
    for code, who in HANDLING.items():
        print(f"  {code}  {who}")
    print("An event a unit may not see is left out, and the view it gets is folded from what it may see;")
    print("auditors see every event. See docs/security.md.")
    return 0


COMMANDS = (
    Command("case", "one case's view", _case_arguments, _case),
    Command("cases", "every case", json_flag, _cases),
    Command("events", "one case's history", _events_arguments, _events),
    Command("watch", "follow case updates live", _watch_arguments, _watch),
    Command("help", "what a term on the board and in the views means (handling)", _help_arguments, _help),
)

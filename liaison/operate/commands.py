"""The commands of the people who run Liaison on a box: ``up``, ``run``, ``keys``, ``parked``, ``person``,
``forget``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from liaison.command import Command, json_flag, no_arguments
from liaison.operate import SERVICES


def _up(args: argparse.Namespace) -> int:
    from liaison.operate.supervisor import up

    return up()


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=SERVICES)


def _run(args: argparse.Namespace) -> int:
    os.execv(sys.executable, [sys.executable, "-m", f"services.{args.service}"])


def _keys(args: argparse.Namespace) -> int:
    from liaison.operate.keys import partitions, show

    return show(asyncio.run(partitions()), args.json)


def _parked_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--retry", action="append", default=[], metavar="ID", help="re-apply one (repeatable)")
    parser.add_argument("--retry-all", dest="retry_all", action="store_true", help="re-apply every parked entry")
    json_flag(parser)


def _parked(args: argparse.Namespace) -> int:
    from liaison.operate.parked import run

    return asyncio.run(run(args.retry, args.retry_all, args.json))


def _person_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="person_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="register a person (a JSON object); prints their subject id")
    add.add_argument("file", nargs="?", default="-", help="a file holding the JSON object, or - for stdin")
    json_flag(add)
    show = actions.add_parser("show", help="decrypt one person's data (or say they were forgotten)")
    show.add_argument("subject_id", metavar="SUBJECT")
    json_flag(show)


def _person(args: argparse.Namespace) -> int:
    from liaison.operate import persons

    if args.person_command == "add":
        return asyncio.run(persons.add(args.file, args.json))
    return asyncio.run(persons.show(args.subject_id, args.json))


def _forget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subject_id", metavar="SUBJECT")
    json_flag(parser)


def _forget(args: argparse.Namespace) -> int:
    from liaison.operate.forget import forget

    return asyncio.run(forget(args.subject_id, args.json))


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    from shared.access.principals import ROLES

    actions = parser.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    issue = actions.add_parser("issue", help="issue a bearer token for a unit and role (printed once)")
    issue.add_argument("--unit", required=True, metavar="UNIT")
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--expires", metavar="DURATION", help="e.g. 90m, 12h, 30d (default: no expiry)")
    json_flag(issue)
    listing = actions.add_parser("list", help="every token issued, with its state (never the token itself)")
    json_flag(listing)
    revoke = actions.add_parser("revoke", help="revoke a token by id (refused from the next request on)")
    revoke.add_argument("token_id", metavar="ID")
    json_flag(revoke)


def _token(args: argparse.Namespace) -> int:
    from liaison.operate import tokens

    if args.token_command == "issue":
        return asyncio.run(tokens.issue(args.unit, args.role, args.expires, args.json))
    if args.token_command == "list":
        return asyncio.run(tokens.list_all(args.json))
    return asyncio.run(tokens.revoke(args.token_id, args.json))


def _unit_key_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="unit_key_command", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="make and register the box's keys under LIAISON_VAR/keys (liaison up "
                              "does it): one per seed unit, the gateway's, the incidents service's")
    json_flag(init)
    register = actions.add_parser("register", help="register a unit's public key (liaison keygen --unit makes one)")
    register.add_argument("unit", metavar="UNIT", help="a unit code, or gateway / incidents for a service's key")
    register.add_argument("public_file", metavar="PUBFILE")
    json_flag(register)
    revoke = actions.add_parser("revoke", help="revoke a key by id (every intake refuses it once this returns)")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.add_argument("--reason", help="why, recorded with the revocation")
    json_flag(revoke)
    listing = actions.add_parser("list", help="every key registered, with its holder and state")
    json_flag(listing)


def _unit_key(args: argparse.Namespace) -> int:
    from liaison.operate import unit_keys

    if args.unit_key_command == "init":
        return asyncio.run(unit_keys.init(args.json))
    if args.unit_key_command == "register":
        return unit_keys.register(args.unit, args.public_file, args.json)
    if args.unit_key_command == "revoke":
        return asyncio.run(unit_keys.revoke(args.key_id, args.reason, args.json))
    return asyncio.run(unit_keys.list_all(args.json))


def _acl_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="acl_command", required=True, metavar="ACTION")
    apply = actions.add_parser("apply", help="one ACL user per service and role on the Redis at LIAISON_REDIS_URL")
    apply.add_argument("--keep-default", dest="keep_default", action="store_true",
                       help="leave Redis's default user on (it is turned off otherwise)")
    json_flag(apply)


def _acl(args: argparse.Namespace) -> int:
    from liaison.operate import acl

    return asyncio.run(acl.apply(args.keep_default, args.json))


COMMANDS = (
    Command("up", "start Redis (if needed), every service, supervised; Ctrl-C stops all", no_arguments, _up),
    Command("run", "run one service in the foreground", _run_arguments, _run),
    Command("forget", "crypto-shred one person's data in the vault (the log keeps only the id)",
            _forget_arguments, _forget),
    Command("person", "the personal-data vault: register a person, show their data", _person_arguments, _person),
    Command("keys", "the Redis key layout in use", json_flag, _keys),
    Command("parked", "log entries the projections parked; re-apply them once fixed", _parked_arguments, _parked),
    Command("token", "bearer tokens of the HTTP API: issue (printed once), list, revoke", _token_arguments, _token),
    Command("unit-key", "keys that sign reports on the Redis door, recorded in the log: init, register, revoke, list",
            _unit_key_arguments, _unit_key),
    Command("acl", "least-privilege Redis users on an external Redis (liaison up does it for its own)",
            _acl_arguments, _acl),
)

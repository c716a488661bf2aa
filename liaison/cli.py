"""The ``liaison`` command: argument parsing and dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec

from liaison import exits

SERVICES = ("hotline", "incidents", "projections", "gateway")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description="Liaison: cross-border hotline and liaison log.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("up", help="start Redis (if needed), every service, supervised; Ctrl-C stops all")
    run = sub.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=SERVICES)

    example = sub.add_parser("example", help="print a valid sample report of a type, as JSON")
    example.add_argument("type", nargs="?")
    example.add_argument("--list", action="store_true", help="list the report types")

    send = sub.add_parser("send", help="send reports (JSON lines) and print one outcome per line")
    send.add_argument("file", nargs="?", default="-", help="a file of JSON lines, or - for standard input")
    send.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each outcome (default 30)")

    case = sub.add_parser("case", help="one case's view")
    case.add_argument("case_id")
    case.add_argument("--as-of", dest="as_of", help="the case as it stood at this instant (ISO time with offset)")
    case.add_argument("--json", action="store_true")
    cases = sub.add_parser("cases", help="every case")
    cases.add_argument("--json", action="store_true")
    events = sub.add_parser("events", help="one case's history")
    events.add_argument("case_id")
    events.add_argument("--json", action="store_true")

    watch = sub.add_parser("watch", help="follow case updates live")
    watch.add_argument("--case", dest="case_id")
    watch.add_argument("--json", action="store_true")

    replay = sub.add_parser("replay", help="the auditor's replay: verify every chain, rebuild and diff the views")
    replay.add_argument("--verify", action="store_true", help="verify chains and numbering (exit 3 on tampering)")
    replay.add_argument("--rebuild", action="store_true", help="rebuild views from the log and diff (exit 1)")
    replay.add_argument("--as-of", dest="as_of", metavar="T",
                        help="every case (or --case) as it stood at T (ISO time with offset), folded from the log")
    replay.add_argument("--case", dest="case_id", metavar="ID", help="with --as-of: only this case")
    replay.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="the whole log as JSON lines (header, then every entry), verified")
    export.add_argument("--out", default="-", metavar="FILE", help="a file, or - for standard output (default)")
    import_ = sub.add_parser("import", help="an export into an empty store, only if every chain in it verifies")
    import_.add_argument("file", metavar="FILE")

    keygen = sub.add_parser("keygen", help="create a unit's Ed25519 key pair for signed audit reports")
    keygen.add_argument("--unit", required=True, metavar="UNIT_ID")
    keygen.add_argument("--out", required=True, metavar="KEYFILE", help="private key file (public: KEYFILE.pub)")
    report = sub.add_parser("audit-report", help="verify the log and sign a report of every case's chain head")
    report.add_argument("--unit", required=True, metavar="UNIT_ID", help="the issuing unit")
    report.add_argument("--key", required=True, metavar="KEYFILE", help="the unit's private key (liaison keygen)")
    report.add_argument("--out", metavar="FILE", help="write the report here (default: standard output)")
    check = sub.add_parser("verify-report", help="check a signed audit report (and compare it with this store)")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--public-key", dest="public_key", required=True, metavar="PUBFILE")
    check.add_argument("--against-store", dest="against_store", action="store_true",
                       help="also verify the local log and compare its chain heads with the report's")

    simulate = sub.add_parser("simulate", help="realistic liaison traffic between the seed units")
    simulate.add_argument("--events", type=int, required=True, help="how many reports to send")
    simulate.add_argument("--rate", type=float, help="reports per second (default: as fast as answered)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--json", action="store_true")

    forget = sub.add_parser("forget", help="crypto-shred one person's data in the vault (the log keeps only the id)")
    forget.add_argument("subject_id", metavar="SUBJECT")
    forget.add_argument("--json", action="store_true")
    person = sub.add_parser("person", help="the personal-data vault: register a person, show their data")
    person_sub = person.add_subparsers(dest="person_command", required=True, metavar="ACTION")
    person_add = person_sub.add_parser("add", help="register a person (a JSON object); prints their subject id")
    person_add.add_argument("file", nargs="?", default="-", help="a file holding the JSON object, or - for stdin")
    person_add.add_argument("--json", action="store_true")
    person_show = person_sub.add_parser("show", help="decrypt one person's data (or say they were forgotten)")
    person_show.add_argument("subject_id", metavar="SUBJECT")
    person_show.add_argument("--json", action="store_true")

    keys = sub.add_parser("keys", help="the Redis key layout in use")
    keys.add_argument("--json", action="store_true")

    parked = sub.add_parser("parked", help="log entries the projections parked; re-apply them once fixed")
    parked.add_argument("--retry", action="append", default=[], metavar="ID", help="re-apply one (repeatable)")
    parked.add_argument("--retry-all", dest="retry_all", action="store_true", help="re-apply every parked entry")
    parked.add_argument("--json", action="store_true")

    bench = sub.add_parser("bench", help="measure every path against raw Redis on a private Redis (a few minutes)")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    bench.add_argument("--quick", action="store_true", help="small sizes (seconds); writes no doc unless --doc")
    bench.add_argument("--doc", type=Path, help="write the results into this markdown file "
                       "(default: docs/benchmarks.md in full mode)")
    bench.add_argument("--no-doc", dest="no_doc", action="store_true", help="write no markdown file")
    return parser


def _run_service(name: str) -> int:
    os.execv(sys.executable, [sys.executable, "-m", f"services.{name}"])


def _example(kind: str | None, list_types: bool) -> int:
    from liaison.examples import EXAMPLES, example

    if list_types or kind is None:
        for name, build in EXAMPLES.items():
            print(f"{name:<20} {(build.__doc__ or '').strip()}")
        return exits.OK
    if kind not in EXAMPLES:
        raise exits.CliError(f"unknown report type {kind!r}; known: {', '.join(EXAMPLES)}")
    sys.stdout.write(msgspec.json.encode(example(kind)).decode() + "\n")
    return exits.OK


async def _partitions() -> int | None:
    from liaison.connect import open_redis, open_store

    try:
        client = await open_redis()
    except exits.CliError:
        return None
    try:
        return (await open_store(client)).partitions
    except exits.CliError:
        return None
    finally:
        await client.aclose()


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; returns its exit code."""
    command = args.command
    if command == "up":
        from liaison.supervisor import up

        return up()
    if command == "run":
        return _run_service(args.service)
    if command == "example":
        return _example(args.type, args.list)
    if command == "send":
        from liaison.send import run as send

        return send(args.file, args.timeout)
    if command == "simulate":
        from liaison.simulate import simulate

        if args.events < 1:
            raise exits.CliError("--events must be at least 1")
        return asyncio.run(simulate(args.events, args.rate, args.seed, args.json))
    if command == "forget":
        from liaison.forget import forget as forget_subject

        return asyncio.run(forget_subject(args.subject_id, args.json))
    if command == "person":
        from liaison import persons

        if args.person_command == "add":
            return asyncio.run(persons.add(args.file, args.json))
        return asyncio.run(persons.show(args.subject_id, args.json))
    if command == "bench":
        from liaison.bench import DOC, run

        doc = None if args.no_doc else (args.doc or (None if args.quick else DOC))
        return run(quick=args.quick, as_json=args.json, doc=doc)
    if command == "parked":
        from liaison.parked import run as parked

        return asyncio.run(parked(args.retry, args.retry_all, args.json))
    if command == "keys":
        from liaison.keys_layout import show

        return show(asyncio.run(_partitions()), args.json)
    if command in ("case", "cases", "events"):
        from liaison import show as views

        return asyncio.run(views.run(command, args))
    if command == "watch":
        from liaison.watch import watch

        return asyncio.run(watch(args.case_id, args.json))
    if command == "replay":
        from liaison.replay import replay

        if args.case_id is not None and args.as_of is None:
            raise exits.CliError("--case needs --as-of (the live view of a case is `liaison case ID`)")
        if args.as_of is not None:
            from liaison.as_of import as_of

            return asyncio.run(as_of(args.as_of, args.case_id, args.json))
        verify, rebuild = (True, True) if not (args.verify or args.rebuild) else (args.verify, args.rebuild)
        return asyncio.run(replay(verify, rebuild, args.json))
    if command == "export":
        from liaison.export import export

        return asyncio.run(export(args.out))
    if command == "import":
        from liaison.import_log import import_log

        return import_log(args.file)
    if command in ("keygen", "audit-report", "verify-report"):
        from liaison import audit_report as signed

        if command == "keygen":
            return signed.keygen(args.unit, args.out)
        if command == "audit-report":
            return signed.audit_report(args.unit, args.key, args.out)
        return signed.verify_report(args.file, args.public_key, args.against_store)
    raise exits.CliError(f"unknown command {command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``liaison`` console script."""
    args = _parser().parse_args(argv)
    try:
        code = dispatch(args)
    except exits.CliError as err:
        print(f"liaison: {err}", file=sys.stderr)
        code = err.code
    except KeyboardInterrupt:
        code = exits.OK
    except BrokenPipeError:
        code = exits.OK
    sys.exit(code)

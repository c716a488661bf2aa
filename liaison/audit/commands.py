"""The commands of the auditors: ``replay``, ``proofs``, ``export``, ``import``, ``keygen``, ``audit-report``,
``verify-report``."""

from __future__ import annotations

import argparse
import asyncio

from liaison import exits
from liaison.command import Command


def _replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verify", action="store_true", help="verify chains and numbering (exit 3 on tampering)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild views from the log and diff (exit 1)")
    parser.add_argument("--as-of", dest="as_of", metavar="T",
                        help="every case (or --case) as it stood at T (ISO time with offset), folded from the log")
    parser.add_argument("--case", dest="case_id", metavar="ID", help="with --as-of: only this case")
    parser.add_argument("--json", action="store_true")


def _replay(args: argparse.Namespace) -> int:
    from liaison.audit.replay import replay

    if args.case_id is not None and args.as_of is None:
        raise exits.CliError("--case needs --as-of (the live view of a case is `liaison case ID`)")
    if args.as_of is not None:
        from liaison.audit.as_of import as_of

        return asyncio.run(as_of(args.as_of, args.case_id, args.json))
    verify, rebuild = (True, True) if not (args.verify or args.rebuild) else (args.verify, args.rebuild)
    return asyncio.run(replay(verify, rebuild, args.json))


def _proofs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true")


def _proofs(args: argparse.Namespace) -> int:
    from liaison.audit.proofs import proofs

    return asyncio.run(proofs(args.json))


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="-", metavar="FILE", help="a file, or - for standard output (default)")


def _export(args: argparse.Namespace) -> int:
    from liaison.audit.archive.export import export

    return asyncio.run(export(args.out))


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")


def _import(args: argparse.Namespace) -> int:
    from liaison.audit.archive.importer import import_log

    return import_log(args.file)


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", required=True, metavar="UNIT_ID")
    parser.add_argument("--out", required=True, metavar="KEYFILE", help="private key file (public: KEYFILE.pub)")


def _keygen(args: argparse.Namespace) -> int:
    from liaison.audit.attestation.issue import keygen

    return keygen(args.unit, args.out)


def _attest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", required=True, metavar="UNIT_ID", help="the issuing unit")
    parser.add_argument("--key", required=True, metavar="KEYFILE", help="the unit's private key (liaison keygen)")
    parser.add_argument("--out", metavar="FILE", help="write the report here (default: standard output)")


def _attest(args: argparse.Namespace) -> int:
    from liaison.audit.attestation.issue import attest

    return attest(args.unit, args.key, args.out)


def _verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--public-key", dest="public_key", required=True, metavar="PUBFILE")
    parser.add_argument("--against-store", dest="against_store", action="store_true",
                        help="also verify the local log and compare its chain heads with the report's")


def _verify(args: argparse.Namespace) -> int:
    from liaison.audit.attestation.issue import verify_attestation

    return verify_attestation(args.file, args.public_key, args.against_store)


COMMANDS = (
    Command("replay", "the auditor's replay: verify every chain, rebuild and diff the views",
            _replay_arguments, _replay),
    Command("proofs", "check every report's signed proof in the log: who said what (exit 3 if one fails)",
            _proofs_arguments, _proofs),
    Command("export", "the whole log as JSON lines (header, then every entry), verified",
            _export_arguments, _export),
    Command("import", "an export into an empty store, only if every chain in it verifies", _import_arguments, _import),
    Command("keygen", "create a unit's Ed25519 key pair for signed audit reports", _keygen_arguments, _keygen),
    Command("audit-report", "verify the log and sign a report of every case's chain head", _attest_arguments, _attest),
    Command("verify-report", "check a signed audit report (and compare it with this store)",
            _verify_arguments, _verify),
)

"""``liaison keygen``, ``liaison audit-report`` and ``liaison verify-report``: issuing and checking attestations.

A unit's auditor verifies the whole log and issues an attestation (an audit statement) of every
case's chain head, signed with the unit's Ed25519 key; the other side checks the signature with
the public key and, with ``--against-store``, that its own copy of the log has the same chain
heads. The command names and messages keep the public contract's word, "audit report".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from liaison import exits
from liaison.audit.attestation.document import (
    UNIT_LINE,
    Attestation,
    AttestationInvalid,
    AttestationUnreadable,
    build_attestation,
    fingerprint,
    key_files,
    load_private,
    load_public,
    sign,
    unit_of,
    verify_document,
)
from liaison.audit.replay import print_breaches, replay_with_progress
from liaison.connect import open_redis, open_store
from shared.store import EventStore
from shared.store.audit import AuditReport
from shared.units import Unit, get


def known_unit(code: str) -> Unit:
    """The unit of --unit; a clear refusal for a code the registry does not hold."""
    unit = get(code)
    if unit is None:
        raise exits.CliError(f"--unit: unknown unit {code!r} (the codes are in shared/units.json, e.g. VN-LC-IBGS)")
    return unit


def _create(path: Path, mode: int) -> int:
    """A new file's descriptor; O_EXCL: an existing key is never replaced (reports signed with it would fail)."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as error:
        raise exits.CliError(f"--out: {path} exists; keys are never overwritten, choose another file") from error
    except OSError as error:
        raise exits.CliError(f"--out: cannot write {path}: {error.strerror}") from error


def _write_pair(private_path: Path, private: bytes, public_path: Path, public: bytes) -> None:
    """Both key files or neither: a half-written pair would make a rerun refuse with "exists"."""
    private_fd = _create(private_path, 0o600)
    try:
        public_fd = _create(public_path, 0o644)
    except exits.CliError:
        os.close(private_fd)
        private_path.unlink(missing_ok=True)
        raise
    try:
        with os.fdopen(private_fd, "wb") as private_file, os.fdopen(public_fd, "wb") as public_file:
            private_file.write(private)
            public_file.write(public)
    except OSError as error:
        private_path.unlink(missing_ok=True)
        public_path.unlink(missing_ok=True)
        raise exits.CliError(f"--out: cannot write {private_path} and {public_path}: {error.strerror}") from error


def keygen(unit_code: str, out: str) -> int:
    """Create a unit's key pair: ``out`` (private, mode 0600) and ``out.pub``; never overwrites a key."""
    unit = known_unit(unit_code)
    private_path, public_path = Path(out), Path(out + ".pub")
    key = Ed25519PrivateKey.generate()
    private, public = key_files(unit.code, key)
    _write_pair(private_path, private, public_path, public)
    sys.stdout.write(public.decode())
    print(f"key pair of {unit.code}: private key {private_path} (mode 0600, keep it secret), public key "
          f"{public_path} (give it to the other side); fingerprint {fingerprint(key.public_key())}",
          file=sys.stderr)
    return exits.OK


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise exits.CliError(f"{what}: cannot read {path}: {error}") from error


def _named_unit(data: bytes, path: str, what: str) -> str:
    """The unit a key file names; refused if it names none (the key alone would sign or verify for any unit)."""
    named = unit_of(data)
    if named is None:
        raise exits.CliError(f"{what}: {path} names no unit: its first line must be '{UNIT_LINE}CODE', as "
                             "liaison keygen writes it (without it the key is bound to no unit)")
    return named


def _private_key(path: str, unit: Unit) -> Ed25519PrivateKey:
    data = _read(path, "--key")
    named = _named_unit(data, path, "--key")
    if named != unit.code:
        raise exits.CliError(f"--key: {path} is the key of {named}, not of {unit.code}")
    try:
        return load_private(data)
    except (ValueError, TypeError) as error:
        raise exits.CliError(f"--key: {path} is not an Ed25519 private key file: {error}") from error


def _public_key(path: str) -> tuple[Ed25519PublicKey, str]:
    data = _read(path, "--public-key")
    named = _named_unit(data, path, "--public-key")
    try:
        return load_public(data), named
    except (ValueError, TypeError) as error:
        raise exits.CliError(f"--public-key: {path} is not an Ed25519 public key file: {error}") from error


async def _verified_log(store: EventStore, what: str) -> AuditReport:
    """The audit of the whole log; refuses (exit 3) a log that does not verify."""
    done = await replay_with_progress(store, False, views=False)
    if done.audit.breaches:
        print_breaches(done.audit)
        raise exits.CliError(f"the log does not verify: {what}", exits.TAMPERED)
    return done.audit


async def _audit_of_store(what: str) -> AuditReport:
    client = await open_redis()
    try:
        return await _verified_log(await open_store(client), what)
    finally:
        await client.aclose()


def _check_writable(out: str) -> None:
    """Refuse an --out the attestation could not be written to, before the whole log is verified for nothing."""
    path = Path(out)
    if path.is_dir():
        raise exits.CliError(f"--out: cannot write {out}: Is a directory")
    try:  # a probe file in the directory: the only check that holds for root, ACLs and read-only mounts
        descriptor, probe = tempfile.mkstemp(prefix=".liaison-probe-", dir=path.parent)
    except OSError as error:
        raise exits.CliError(f"--out: cannot write {out}: {error.strerror}") from error
    os.close(descriptor)
    os.unlink(probe)


def _write_attestation(out: str, text: bytes) -> None:
    """Write the attestation whole or not at all (a partial file, then renamed over ``out``)."""
    partial = Path(out + ".partial")
    try:
        partial.write_bytes(text)
        partial.replace(out)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise exits.CliError(f"--out: cannot write {out}: {error.strerror}") from error


def attest(unit_code: str, key_path: str, out: str | None) -> int:
    """``liaison audit-report``: verify the log and write the signed attestation of its chain heads (to ``out`` or
    standard output)."""
    unit = known_unit(unit_code)
    key = _private_key(key_path, unit)
    if out is not None:
        _check_writable(out)
    audit = asyncio.run(_audit_of_store("no report issued"))
    document = sign(build_attestation(unit, audit, key.public_key(), datetime.now(UTC)), key)
    text = msgspec.json.format(msgspec.json.encode(document), indent=1) + b"\n"
    if out is None:
        sys.stdout.buffer.write(text)
    else:
        _write_attestation(out, text)
    print(f"signed audit report of {unit.code}: {audit.events} events, {audit.cases} cases, digest {audit.digest}"
          + (f", written to {out}" if out else ""), file=sys.stderr)
    return exits.OK


def compare_heads(reported: dict[str, tuple[int, str]], local: dict[str, tuple[int, str]]) -> list[str]:
    """Where the local chain heads are not the attestation's (pure); cases only one side has are named too."""
    problems = []
    for case_id in sorted(reported.keys() | local.keys()):
        theirs, ours = reported.get(case_id), local.get(case_id)
        if theirs == ours:
            continue
        if ours is None and theirs is not None:
            problems.append(f"case {case_id}: in the report (version {theirs[0]}) but not in the local log")
        elif theirs is None and ours is not None:
            problems.append(f"case {case_id}: in the local log (version {ours[0]}) but not in the report")
        elif theirs is not None and ours is not None:
            problems.append(f"case {case_id}: the report has version {theirs[0]} {theirs[1][:12]}…, the local "
                            f"log version {ours[0]} {ours[1][:12]}…")
    return problems


def _against_store(report: Attestation) -> list[str]:
    audit = asyncio.run(_audit_of_store("the report cannot be compared with it"))
    problems = compare_heads(report.head_map(), audit.heads)
    if audit.digest != report.digest and not problems:
        problems.append(f"the local digest {audit.digest} is not the report's {report.digest}")
    return problems


def verify_attestation(file: str, public_key_path: str, against_store: bool) -> int:
    """``liaison verify-report``: exit 0 if the attestation's signature holds (and the local heads equal its
    heads), 3 if not, 2 if unreadable."""
    raw = _read(file, "verify-report")
    public_key, key_unit = _public_key(public_key_path)
    try:
        report = verify_document(raw, public_key, key_unit)
    except AttestationUnreadable as unreadable:
        raise exits.CliError(f"verify-report: {file}: {unreadable}") from unreadable
    except AttestationInvalid as invalid:
        raise exits.CliError(f"verify-report: {file}: {invalid}", exits.TAMPERED) from invalid
    issued = report.issued_at
    print(f"signature valid: {report.issuer.unit} issued the report at {issued.get('utc')} "
          f"({issued.get('local')}); {report.totals.events} events, {report.totals.cases} cases, "
          f"digest {report.digest}")
    if not against_store:
        return exits.OK
    problems = _against_store(report)
    if problems:
        for problem in problems[:50]:
            print(f"  {problem}")
        if len(problems) > 50:
            print(f"  … and {len(problems) - 50} more")
        raise exits.CliError(
            f"verify-report: the local log's chain heads differ from the report's in {len(problems)} place(s)",
            exits.TAMPERED,
        )
    print("the local log's chain heads are exactly the report's: both sides hold the same history")
    return exits.OK

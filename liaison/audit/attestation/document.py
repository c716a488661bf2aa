"""Attestations (audit statements): what a unit's auditor attests about its log, signed with the unit's
Ed25519 key (pure, no Redis). Not to be confused with the reports officers send: on the command line
and in the file's format they are still the "audit report" (``audit-report``, ``verify-report``,
``liaison-audit-report``), a public contract.

An attestation lists every case's chain head (case id, version, hash of its last event), the
counts per partition and the digest over the heads; the signature covers its canonical JSON
(keys sorted, no spaces), so any change to any value breaks it. The other side checks the
signature with the issuing unit's public key, then compares the heads with its own copy of the log.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.access.key_files import UNIT_LINE as UNIT_LINE
from shared.access.key_files import key_files as key_files
from shared.access.key_files import load_private as load_private
from shared.access.key_files import load_public as load_public
from shared.access.key_files import unit_of as unit_of
from shared.store.audit import AuditReport, digest_of
from shared.units import Unit

FORMAT = "liaison-audit-report"
"""The format name in every attestation file (the public contract keeps the word "report")."""
VERSION = 1
ALGORITHM = "Ed25519"

_canonical = msgspec.json.Encoder(order="sorted")


class AttestationInvalid(Exception):
    """The attestation's signature or content does not hold (a well-formed attestation: exit 3)."""


class AttestationUnreadable(Exception):
    """The file is not an attestation: not JSON, not an attestation's shape, or another format (exit 2)."""


def canonical(value: Any) -> bytes:
    """The bytes a signature covers: JSON with keys sorted at every level and no spaces."""
    return _canonical.encode(value)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key, hex: names a key in a report and on screen."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _zone(offset: str) -> timezone:
    sign = 1 if offset[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def build_attestation(unit: Unit, audit: AuditReport, public_key: Ed25519PublicKey, now: datetime) -> dict[str, Any]:
    """The unsigned attestation of a verified audit, issued by ``unit`` at ``now`` (aware)."""
    utc = now.astimezone(UTC).replace(microsecond=0)
    return {
        "format": FORMAT,
        "version": VERSION,
        "issuer": {"unit": unit.code, "country": unit.country, "names": msgspec.to_builtins(unit.names)},
        "issued_at": {
            "utc": utc.isoformat().replace("+00:00", "Z"),
            "offset": unit.utc_offset,
            "local": utc.astimezone(_zone(unit.utc_offset)).isoformat(),
        },
        "key_fingerprint": fingerprint(public_key),
        "partitions": audit.partitions,
        "counts": [{"partition": c.partition, "entries": c.entries, "cases": c.cases} for c in audit.counts],
        "totals": {"events": audit.events, "cases": audit.cases},
        "digest": audit.digest,
        "heads": [
            {"case_id": case_id, "version": version, "hash": head}
            for case_id, (version, head) in sorted(audit.heads.items())
        ],
    }


def sign(report: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The signed document: the report and an Ed25519 signature over its canonical bytes."""
    signature = private_key.sign(canonical(report))
    return {
        "report": report,
        "signature": {
            "algorithm": ALGORITHM,
            "key_fingerprint": fingerprint(private_key.public_key()),
            "value": base64.b64encode(signature).decode("ascii"),
        },
    }


class _Head(msgspec.Struct, frozen=True):
    case_id: str
    version: int
    hash: str


class _Count(msgspec.Struct, frozen=True):
    partition: int
    entries: int
    cases: int


class _Totals(msgspec.Struct, frozen=True):
    events: int
    cases: int


class _Issuer(msgspec.Struct, frozen=True):
    unit: str


class Attestation(msgspec.Struct, frozen=True):
    """The fields of an attestation a verifier checks (others are carried, signed, and shown as they are)."""

    format: str
    version: int
    issuer: _Issuer
    issued_at: dict[str, str]
    key_fingerprint: str
    partitions: int
    counts: list[_Count]
    totals: _Totals
    digest: str
    heads: list[_Head]

    def head_map(self) -> dict[str, tuple[int, str]]:
        """case id -> (version, hash), as an ``AuditReport`` holds them."""
        return {h.case_id: (h.version, h.hash) for h in self.heads}


class _Signature(msgspec.Struct, frozen=True):
    algorithm: str
    key_fingerprint: str
    value: str


class _Document(msgspec.Struct, frozen=True):
    report: dict[str, Any]
    signature: _Signature


def _read_document(raw: bytes) -> tuple[_Document, Attestation]:
    """The document and its attestation, checked for shape and format only; AttestationUnreadable naming the problem."""
    try:
        document = msgspec.json.decode(raw, type=_Document)
        report = msgspec.convert(document.report, Attestation)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise AttestationUnreadable(f"not a Liaison audit report: {error}") from error
    if report.format != FORMAT or report.version != VERSION:
        raise AttestationUnreadable(f"format {report.format!r} version {report.version}: not one this tool reads "
                               f"({FORMAT!r} version {VERSION})")
    return document, report


def verify_document(raw: bytes, public_key: Ed25519PublicKey, key_unit: str) -> Attestation:
    """The attestation, once its signature and its internal sums hold; AttestationInvalid saying what does not.

    ``key_unit``: the unit the public key file names (an attestation of another unit is refused).
    AttestationUnreadable if ``raw`` is not an attestation at all.
    """
    document, report = _read_document(raw)
    signature = document.signature
    expected = fingerprint(public_key)
    if signature.algorithm != ALGORITHM:
        raise AttestationInvalid(f"the signature's algorithm is {signature.algorithm!r}, not {ALGORITHM}")
    if signature.key_fingerprint != expected:
        raise AttestationInvalid(
            f"the report was signed with key {signature.key_fingerprint[:16]}…, not with this public key "
            f"({expected[:16]}…)"
        )
    try:
        public_key.verify(base64.b64decode(signature.value, validate=True), canonical(document.report))
    except (InvalidSignature, ValueError) as error:
        raise AttestationInvalid("the signature does not match the report: it was altered after signing, "
                            "or signed by another key") from error
    # The signature block's fingerprint is not signed; the report's is: it must name this key too.
    if report.key_fingerprint != expected:
        raise AttestationInvalid(f"the report's signed key_fingerprint {report.key_fingerprint[:16]}… is not this "
                            f"public key's ({expected[:16]}…)")
    if report.issuer.unit != key_unit:
        raise AttestationInvalid(f"the report names {report.issuer.unit} as its issuer but the key is {key_unit}'s")
    _check_sums(report)
    return report


def _check_sums(report: Attestation) -> None:
    """A signed attestation must also add up (a signer's bug must not pass as an attestation)."""
    heads = report.head_map()
    if digest_of(heads) != report.digest:
        raise AttestationInvalid("the report's digest is not the digest of the heads it lists")
    if len(heads) != report.totals.cases or sum(c.entries for c in report.counts) != report.totals.events:
        raise AttestationInvalid("the report's totals are not the sums of its heads and counts")

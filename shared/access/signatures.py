"""Signed reports (pure): the bytes a signature covers, signing, and checking a report against the key registry.

A tool writing to an intake stream signs each report with its unit's Ed25519 key; the gateway and
the incidents service attest, with their own keys, the reports they forward or send themselves,
naming whom they vouch for (ADR 0020). The entry carries::

    XADD liaison:intake:<service> * report <JSON> signature ed25519:<key id>:<base64 signature> [principal <JSON>]

The signature covers ``REPORT_DOMAIN + report`` (a unit's key), or ``ATTESTED_DOMAIN + principal + "\\n" +
report`` (an attesting key): the domain line keeps a signature of one kind from passing as the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from shared.events.envelope import Proof
from shared.events.keys import KeyPurpose, UnitKeyRegistered, UnitKeyRevoked
from shared.reports import RESERVED, RESERVED_COMMAND_ID

SIGNATURE_FIELD = b"signature"
PRINCIPAL_FIELD = b"principal"
SCHEME = "ed25519"
REPORT_DOMAIN = b"liaison report v1\n"
ATTESTED_DOMAIN = b"liaison attested report v1\n"

UNSIGNED = "unsigned"
BAD_SIGNATURE = "bad_signature"
KEY_REVOKED = "key_revoked"

REGISTRY_CASE = "UNIT-KEYS"
"""The case of the log holding every key registration and revocation."""


class GatewayPrincipal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whom the gateway vouches for: the token it checked (its id, never the token), its unit and role."""

    token: str
    unit: str
    role: str


class ServicePrincipal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A service vouching for a report it sends itself."""

    service: str


_encode = msgspec.json.Encoder(order="sorted").encode
_gateway_principal = msgspec.json.Decoder(GatewayPrincipal).decode
_service_principal = msgspec.json.Decoder(ServicePrincipal).decode


def principal_bytes(principal: GatewayPrincipal | ServicePrincipal) -> bytes:
    """The canonical JSON of a principal, as written in the entry and covered by the attestation."""
    return _encode(principal)


def key_id(public: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key, hex (the same fingerprint audit reports use)."""
    return hashlib.sha256(raw_public(public)).hexdigest()


def raw_public(public: Ed25519PublicKey) -> bytes:
    """The raw 32 bytes of a public key."""
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signed_message(report: bytes, principal: bytes | None) -> bytes:
    """The bytes a signature covers."""
    if principal is None:
        return REPORT_DOMAIN + report
    return ATTESTED_DOMAIN + principal + b"\n" + report


def sign(key: Ed25519PrivateKey, report: bytes, principal: bytes | None = None) -> bytes:
    """The ``signature`` field of an entry carrying ``report`` (and ``principal``, for an attestation)."""
    signature = base64.b64encode(key.sign(signed_message(report, principal)))
    return f"{SCHEME}:{key_id(key.public_key())}:".encode() + signature


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A registered key: for whom it signs, and whether it was revoked."""

    key_id: str
    public: Ed25519PublicKey
    purpose: KeyPurpose
    holder: str
    revoked: bool = False
    verifier: VerifyKey | None = None
    registered_ms: int | None = None
    revoked_ms: int | None = None
    """Where the registration and the revocation sit in the log: the Unix ms of their entry ids, which Redis
    assigns (a writer cannot choose them), so proofs are ordered against them by the log, not by a clock."""
    """The same key for libsodium: it checks a signature in 81 µs where OpenSSL takes 139 (ADR 0020)."""

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` is this key's over ``message``."""
        verifier = self.verifier or VerifyKey(raw_public(self.public))
        try:
            verifier.verify(message, signature)
        except (BadSignatureError, ValueError, TypeError):  # a wrong length is refused as a bad signature
            return False
        return True


@dataclass(slots=True)
class Registry:
    """Every key registered in the log, folded from the ``UNIT-KEYS`` case up to ``version``."""

    keys: dict[str, SigningKey] = field(default_factory=dict)
    version: int = 0
    problems: list[str] = field(default_factory=list)
    """Registrations skipped: a public key that is not one, or whose id is not its fingerprint."""
    closed: str | None = None
    """Why no report can be checked: the case holds an event this build cannot read (a revocation, perhaps),
    so every report is refused until it can (fail closed, ADR 0020)."""

    def apply(self, event: object, version: int, at_ms: int | None = None) -> None:
        """Fold one registry event (other events of the case are ignored); a malformed registration registers
        nothing and is noted in ``problems``."""
        if isinstance(event, UnitKeyRegistered) and event.key_id not in self.keys:
            try:
                raw = base64.b64decode(event.public_key, validate=True)
                public = Ed25519PublicKey.from_public_bytes(raw)
            except (binascii.Error, ValueError):
                self.problems.append(f"version {version}: key {event.key_id[:16]}…: not a 32-byte Ed25519 public key")
            else:
                if key_id(public) != event.key_id:
                    self.problems.append(f"version {version}: key id {event.key_id[:16]}… is not its key's fingerprint")
                else:
                    self.keys[event.key_id] = SigningKey(event.key_id, public, event.purpose, event.holder,
                                                         verifier=VerifyKey(raw), registered_ms=at_ms)
        elif isinstance(event, UnitKeyRevoked) and event.key_id in self.keys:
            known = self.keys[event.key_id]
            self.keys[event.key_id] = SigningKey(known.key_id, known.public, known.purpose, known.holder, True,
                                                 known.verifier, known.registered_ms, at_ms)
        self.version = version


def registry_of(events: Iterable[tuple[object, int]]) -> Registry:
    """The registry folded from (event, version) pairs in version order."""
    registry = Registry()
    for event, version in events:
        registry.apply(event, version)
    return registry


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a report's signature is not accepted: a reason code and a message naming the field."""

    code: str
    message: str


def check(
    registry: Registry, report: bytes, unit: str, command_id: str, signature: bytes | None, principal: bytes | None
) -> Proof | Refusal:
    """The proof to keep with the report's events, or why it is refused; never raises on bad input."""
    if registry.closed is not None:
        return Refusal(BAD_SIGNATURE, f"signature: cannot be checked now: {registry.closed}")
    if not signature:
        return Refusal(UNSIGNED, "signature: the report is not signed; sign it with your unit's registered key "
                       "(liaison send --key KEYFILE; docs/clients.md shows how a tool signs)")
    parts = signature.split(b":")
    if len(parts) != 3 or parts[0] != SCHEME.encode():
        return Refusal(BAD_SIGNATURE, "signature: expected 'ed25519:<key id>:<base64 signature>'")
    try:
        kid = parts[1].decode("ascii")
        raw_signature = base64.b64decode(parts[2], validate=True)
    except (UnicodeDecodeError, binascii.Error):
        return Refusal(BAD_SIGNATURE, "signature: the key id or the base64 signature cannot be read")
    key = registry.keys.get(kid)
    if key is None:
        return Refusal(BAD_SIGNATURE, f"signature: key {kid[:64]!r} is not registered (liaison unit-key register)")
    if key.revoked:
        return Refusal(KEY_REVOKED, f"signature: key {kid} of {key.holder} was revoked; sign with a registered key")
    refused = _may_sign(key, unit, command_id, principal)
    if refused is not None:
        return refused
    if not key.verifies(raw_signature, signed_message(report, principal)):
        return Refusal(BAD_SIGNATURE, f"signature: does not match the report (altered after signing, or not signed "
                       f"by key {kid})")
    return Proof(key=kid, signature=parts[2].decode("ascii"), report=report.decode("utf-8"),
                 principal=None if principal is None else principal.decode("utf-8"))


def _may_sign(key: SigningKey, unit: str, command_id: str, principal: bytes | None) -> Refusal | None:
    """Why this key may not sign this report, or None: a unit's key speaks for its unit only."""
    if key.purpose != "service" and RESERVED.search(command_id):
        return Refusal(RESERVED_COMMAND_ID, f"command_id: {command_id!r} has the form of a command id the incidents "
                       "service gives its own reports; choose another")
    if key.purpose == "unit":
        if principal is not None:
            return Refusal(BAD_SIGNATURE, "principal: only the gateway or a service names a principal; a unit's key "
                           "signs the report alone")
        if key.holder != unit:
            return Refusal(BAD_SIGNATURE, f"signature: key {key.key_id} is {key.holder}'s; it cannot sign for "
                           f"unit {unit!r}")
        return None
    if principal is None:
        return Refusal(BAD_SIGNATURE, f"principal: key {key.key_id} of the {key.holder} attests reports and must name "
                       "whom it vouches for")
    try:
        if key.purpose == "gateway":
            vouched = _gateway_principal(principal)
            if vouched.unit != unit:
                return Refusal(BAD_SIGNATURE, f"principal: the token the gateway checked is not of unit {unit!r}")
            if vouched.role != "officer":
                return Refusal(BAD_SIGNATURE, "principal: only an officer's token sends reports")
        elif _service_principal(principal).service != key.holder:
            return Refusal(BAD_SIGNATURE, f"principal: key {key.key_id} is the {key.holder} service's")
    except (msgspec.DecodeError, UnicodeDecodeError):
        return Refusal(BAD_SIGNATURE, "principal: not a principal this key may name")
    return None


def signed_entry(report: bytes, key: Ed25519PrivateKey, principal: bytes | None = None) -> dict[str, bytes]:
    """The fields of an intake entry carrying ``report`` signed with ``key`` (naming ``principal``, if attested)."""
    fields = {"report": report, "signature": sign(key, report, principal)}
    if principal is not None:
        fields["principal"] = principal
    return fields


REVOCATION_GRACE_MS = 2000
"""A revocation reaches every intake within ``unit_keys.REFRESH_S`` (1 s); a report accepted that close after it
was signed while the intakes still held the key: not a forgery."""


def proof_problem(registry: Registry, proof: Proof, unit: str, causation_id: str, officer: str, handling: str,
                  at_ms: int) -> str | None:
    """Why a recorded event's proof does not show that its unit said it, or None if it does (docs/log-format.md).

    ``at_ms``: the Unix ms of the event's log entry id. The key must be registered before it and not revoked
    before it (beyond ``REVOCATION_GRACE_MS``), both by log position; the signature must cover the report; the
    key must speak for the event's unit (or attest for it); and the report must be the one the event names as
    its cause, sent by the event's officer with its handling code.
    """
    key = registry.keys.get(proof.key)
    if key is None:
        return f"key {proof.key[:16]}… is not registered in {REGISTRY_CASE}"
    if key.registered_ms is not None and at_ms < key.registered_ms:
        return f"key {proof.key[:16]}… of {key.holder} was registered after this event was recorded"
    if key.revoked_ms is not None and at_ms > key.revoked_ms + REVOCATION_GRACE_MS:
        return f"key {proof.key[:16]}… of {key.holder} was revoked before this event was recorded"
    principal = None if proof.principal is None else proof.principal.encode("utf-8")
    report = proof.report.encode("utf-8")
    try:
        signature = base64.b64decode(proof.signature, validate=True)
    except binascii.Error:
        return "the signature is not base64"
    if not key.verifies(signature, signed_message(report, principal)):
        return f"the signature does not verify with key {proof.key[:16]}… of {key.holder}"
    try:
        said = msgspec.json.decode(report, type=_ReportHead)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return "the signed report is not a report"
    if said.command_id != causation_id:
        return f"the signed report is {said.command_id!r}, not {causation_id!r} that the event names as its cause"
    if (said.unit, said.officer, said.handling) != (unit, officer, handling):
        return (f"the event says {unit}/{officer}/{handling}, the signed report "
                f"{said.unit}/{said.officer}/{said.handling}")
    refused = _may_sign(key, unit, said.command_id, principal)
    return None if refused is None else refused.message


class _ReportHead(msgspec.Struct):
    command_id: str = ""
    unit: str = ""
    officer: str = ""
    handling: str = "H1"

"""Signed reports, checked without Redis: every way a report can fail its signature, and the one way it passes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.access.signatures import (
    BAD_SIGNATURE,
    KEY_REVOKED,
    UNSIGNED,
    GatewayPrincipal,
    Refusal,
    Registry,
    ServicePrincipal,
    check,
    key_id,
    principal_bytes,
    raw_public,
    sign,
    signed_entry,
)
from shared.events import decode_event, encode_event
from shared.events.envelope import Instant, Proof
from shared.events.keys import UnitKeyRegistered, UnitKeyRevoked
from shared.reports import RESERVED_COMMAND_ID
from tests.signing import KEYS

NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
LAO_CAI, HEKOU = "VN-LC-IBGS", "CN-HK-IBCS"
REPORT = b'{"type":"LogCall","command_id":"c-1","unit":"VN-LC-IBGS","officer":"Lt. Nguyen"}'


def _registered(holder: str, key: Ed25519PrivateKey, purpose: str = "unit", version: int = 1) -> UnitKeyRegistered:
    return UnitKeyRegistered(
        event_id=f"e-{version}", case_id="UNIT-KEYS", case_version=version, occurred_at=Instant.at(NOW, "+07:00"),
        recorded_at=NOW, unit=holder, officer="operator", causation_id="k", correlation_id="k", handling="H0",
        key_id=key_id(key.public_key()), public_key=base64.b64encode(raw_public(key.public_key())).decode(),
        purpose=purpose, holder=holder,  # type: ignore[arg-type]
    )


def _registry() -> Registry:
    registry = Registry()
    for version, (holder, purpose) in enumerate(
        [(LAO_CAI, "unit"), (HEKOU, "unit"), ("gateway", "gateway"), ("incidents", "service")], start=1
    ):
        registry.apply(_registered(holder, KEYS[holder], purpose, version), version)
    return registry


def _check(report: bytes, signature: bytes | None, principal: bytes | None = None, unit: str = LAO_CAI,
           command_id: str = "c-1", registry: Registry | None = None) -> Proof | Refusal:
    return check(registry or _registry(), report, unit, command_id, signature, principal)


def test_a_report_signed_by_its_units_key_passes_with_its_proof() -> None:
    """The proof keeps the key, the signature and the exact report text, so anyone can verify it later."""
    signature = sign(KEYS[LAO_CAI], REPORT)
    proof = _check(REPORT, signature)
    assert isinstance(proof, Proof)
    assert proof.key == key_id(KEYS[LAO_CAI].public_key())
    assert proof.report.encode() == REPORT
    assert proof.principal is None
    KEYS[LAO_CAI].public_key().verify(base64.b64decode(proof.signature), b"liaison report v1\n" + REPORT)


@pytest.mark.parametrize(
    ("signature", "code", "names"),
    [
        (None, UNSIGNED, "not signed"),
        (b"", UNSIGNED, "not signed"),
        (b"rsa:abc:def", BAD_SIGNATURE, "expected 'ed25519:"),
        (b"ed25519:only-two", BAD_SIGNATURE, "expected 'ed25519:"),
        (b"ed25519:abc:not base64!", BAD_SIGNATURE, "cannot be read"),
        (b"ed25519:" + b"0" * 64 + b":" + base64.b64encode(b"x" * 64), BAD_SIGNATURE, "is not registered"),
    ],
)
def test_a_missing_or_unreadable_signature_is_refused_with_its_code(signature: bytes | None, code: str,
                                                                    names: str) -> None:
    """Each refusal says which field and what is wrong with it."""
    refused = _check(REPORT, signature)
    assert isinstance(refused, Refusal)
    assert refused.code == code
    assert names in refused.message
    assert refused.message.startswith("signature:")


def test_a_report_altered_after_signing_is_refused() -> None:
    """One byte changed in the report, and the signature no longer holds."""
    signature = sign(KEYS[LAO_CAI], REPORT)
    refused = _check(REPORT.replace(b"Nguyen", b"Nguyem"), signature)
    assert isinstance(refused, Refusal)
    assert refused.code == BAD_SIGNATURE
    assert "altered" in refused.message


def test_another_units_key_cannot_sign_for_this_unit() -> None:
    """Hekou's valid signature on a report that speaks for Lao Cai is refused: a key speaks for its holder only."""
    refused = _check(REPORT, sign(KEYS[HEKOU], REPORT))
    assert isinstance(refused, Refusal)
    assert refused.code == BAD_SIGNATURE
    assert HEKOU in refused.message


def test_a_revoked_key_is_refused_key_revoked() -> None:
    """After its revocation is folded in, the same signature is refused ``key_revoked``."""
    registry = _registry()
    signature = sign(KEYS[LAO_CAI], REPORT)
    assert isinstance(_check(REPORT, signature, registry=registry), Proof)
    registry.apply(UnitKeyRevoked(
        event_id="r", case_id="UNIT-KEYS", case_version=5, occurred_at=Instant.at(NOW, "+07:00"), recorded_at=NOW,
        unit=LAO_CAI, officer="operator", causation_id="r", correlation_id="r",
        key_id=key_id(KEYS[LAO_CAI].public_key()),
    ), 5)
    refused = _check(REPORT, signature, registry=registry)
    assert isinstance(refused, Refusal)
    assert refused.code == KEY_REVOKED


def test_the_gateway_attests_only_for_the_unit_of_the_token_it_checked() -> None:
    """A gateway attestation names the token; it passes for that token's unit and for no other."""
    principal = principal_bytes(GatewayPrincipal(token="abc123", unit=LAO_CAI, role="officer"))
    proof = _check(REPORT, sign(KEYS["gateway"], REPORT, principal), principal)
    assert isinstance(proof, Proof)
    assert proof.principal is not None
    assert "abc123" in proof.principal
    other = principal_bytes(GatewayPrincipal(token="abc123", unit=HEKOU, role="officer"))
    refused = _check(REPORT, sign(KEYS["gateway"], REPORT, other), other)
    assert isinstance(refused, Refusal)
    assert refused.code == BAD_SIGNATURE
    assert refused.message.startswith("principal:")


def test_an_attestation_cannot_pass_as_a_units_signature_or_the_reverse() -> None:
    """The domain line differs: a unit's key naming a principal, or an attesting key naming none, is refused."""
    principal = principal_bytes(GatewayPrincipal(token="abc123", unit=LAO_CAI, role="officer"))
    as_unit = _check(REPORT, sign(KEYS[LAO_CAI], REPORT, principal), principal)
    assert isinstance(as_unit, Refusal)
    assert as_unit.message.startswith("principal:")
    bare = _check(REPORT, sign(KEYS["gateway"], REPORT))
    assert isinstance(bare, Refusal)
    assert bare.message.startswith("principal:")
    swapped = _check(REPORT, sign(KEYS["gateway"], REPORT), principal)  # signed without it, principal added after
    assert isinstance(swapped, Refusal)
    assert swapped.code == BAD_SIGNATURE


def test_only_the_incidents_service_may_use_its_reserved_command_ids() -> None:
    """``hotline-case:…`` ids are the service's own; a unit signing one is refused, the service's key passes."""
    report = REPORT.replace(b'"c-1"', b'"hotline-case:HL-ABC"')
    refused = _check(report, sign(KEYS[LAO_CAI], report), command_id="hotline-case:HL-ABC")
    assert isinstance(refused, Refusal)
    assert refused.code == RESERVED_COMMAND_ID
    principal = principal_bytes(ServicePrincipal(service="incidents"))
    proof = _check(report, sign(KEYS["incidents"], report, principal), principal, command_id="hotline-case:HL-ABC")
    assert isinstance(proof, Proof)


def test_signed_entry_writes_the_documented_fields() -> None:
    """``report``, ``signature`` and, for an attestation only, ``principal``."""
    assert set(signed_entry(REPORT, KEYS[LAO_CAI])) == {"report", "signature"}
    assert set(signed_entry(REPORT, KEYS["gateway"], b"{}")) == {"report", "signature", "principal"}


def test_registry_events_and_a_proof_round_trip_through_the_canonical_codec() -> None:
    """The key events, and an event carrying a proof, decode to equal events and re-encode to the same bytes."""
    registered = _registered(LAO_CAI, KEYS[LAO_CAI])
    proof = Proof(key="k", signature="s", report=REPORT.decode(), principal='{"service":"incidents"}')
    for event in (registered, msgspec.structs.replace(registered, proof=proof)):
        data = encode_event(event)
        assert decode_event(data) == event
        assert encode_event(decode_event(data)) == data


@settings(max_examples=300, deadline=None)
@given(signature=st.one_of(st.none(), st.binary(max_size=200)), principal=st.one_of(st.none(), st.binary(max_size=80)),
       report=st.binary(max_size=120))
def test_any_bytes_in_the_signature_fields_are_refused_without_raising(
    signature: bytes | None, principal: bytes | None, report: bytes
) -> None:
    """Fuzz: whatever a tool writes in ``signature`` and ``principal``, the check answers a refusal and never raises."""
    verdict = _check(report, signature, principal)
    assert isinstance(verdict, Refusal)
    assert verdict.code in (UNSIGNED, BAD_SIGNATURE)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(REPORT) - 1), flip=st.integers(min_value=1, max_value=255))
def test_any_single_byte_changed_in_a_signed_report_is_refused(position: int, flip: int) -> None:
    """Fuzz: each one-byte change of a signed report fails its signature."""
    signature = sign(KEYS[LAO_CAI], REPORT)
    altered = bytearray(REPORT)
    altered[position] ^= flip
    verdict = _check(bytes(altered), signature)
    assert isinstance(verdict, Refusal)
    assert verdict.code == BAD_SIGNATURE


def test_a_malformed_registration_registers_nothing_and_is_noted() -> None:
    """A 31-byte public key, or a key id that is not the key's fingerprint, grants nothing; the rest still folds."""
    registry = _registry()
    bad = msgspec.structs.replace(_registered("CN-HH-BMT", Ed25519PrivateKey.generate(), version=5),
                                  public_key=base64.b64encode(b"x" * 31).decode())
    lying = msgspec.structs.replace(_registered("CN-HH-BMT", Ed25519PrivateKey.generate(), version=6),
                                    key_id=key_id(KEYS[LAO_CAI].public_key()) + "0")
    registry.apply(bad, 5)
    registry.apply(lying, 6)
    assert len(registry.problems) == 2
    assert registry.version == 6
    assert isinstance(_check(REPORT, sign(KEYS[LAO_CAI], REPORT), registry=registry), Proof)


def test_a_registry_that_cannot_be_read_refuses_every_report() -> None:
    """Fail closed: while the registry holds an event this build cannot read (a revocation, perhaps), no report is
    accepted on a signature that event might have revoked."""
    registry = _registry()
    registry.closed = "case UNIT-KEYS holds an event this build cannot read"
    refused = _check(REPORT, sign(KEYS[LAO_CAI], REPORT), registry=registry)
    assert isinstance(refused, Refusal)
    assert refused.code == BAD_SIGNATURE
    assert "cannot be checked now" in refused.message


def test_the_gateway_attests_only_for_an_officers_token() -> None:
    """A viewer's token does not send reports: an attestation naming one is refused."""
    principal = principal_bytes(GatewayPrincipal(token="abc123", unit=LAO_CAI, role="viewer"))
    refused = _check(REPORT, sign(KEYS["gateway"], REPORT, principal), principal)
    assert isinstance(refused, Refusal)
    assert "officer" in refused.message

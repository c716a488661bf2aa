"""Signed audit reports: a report verifies with its unit's public key, and any change to it does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from liaison.audit.attestation.document import (
    AttestationInvalid,
    AttestationUnreadable,
    build_attestation,
    canonical,
    key_files,
    load_private,
    load_public,
    sign,
    unit_of,
    verify_document,
)
from liaison.audit.attestation.issue import compare_heads
from shared.store.audit import AuditReport, PartitionCount, digest_of
from shared.units import get

HEADS = {"HL-A": (3, "a" * 64), "HL-B": (1, "b" * 64), "HL-C": (7, "c" * 64)}
UNIT = "VN-LC-IBGS"


def _audit() -> AuditReport:
    counts = [PartitionCount(partition=0, entries=4, numbered=4, cases=2),
              PartitionCount(partition=1, entries=7, numbered=7, cases=1)]
    return AuditReport(events=11, cases=3, partitions=2, counts=counts, heads=dict(HEADS), digest=digest_of(HEADS),
                       elapsed=0.1, breaches=[])


def _signed(key: Ed25519PrivateKey) -> bytes:
    unit = get(UNIT)
    assert unit is not None
    report = build_attestation(unit, _audit(), key.public_key(), datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    return json.dumps(sign(report, key), ensure_ascii=False, indent=1).encode()


def test_a_signed_report_verifies_and_carries_both_clocks() -> None:
    """The report verifies with the signer's public key and states the issuer, UTC and local time, and every head."""
    key = Ed25519PrivateKey.generate()
    report = verify_document(_signed(key), key.public_key(), UNIT)
    assert report.issuer.unit == UNIT
    assert report.issued_at == {"utc": "2026-11-23T08:30:00Z", "offset": "+07:00",
                                "local": "2026-11-23T15:30:00+07:00"}
    assert report.head_map() == HEADS
    assert (report.totals.events, report.totals.cases) == (11, 3)


@pytest.mark.parametrize(
    ("path", "value"),
    [(("heads", 1, "version"), 2), (("digest",), "0" * 64), (("issued_at", "utc"), "2026-11-24T08:30:00Z"),
     (("totals", "events"), 12)],
)
def test_any_changed_value_breaks_the_signature(path: tuple[str | int, ...], value: object) -> None:
    """A head, the digest, the time or a total changed after signing: the signature no longer matches."""
    key = Ed25519PrivateKey.generate()
    document = json.loads(_signed(key))
    target = document["report"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(AttestationInvalid, match="signature does not match"):
        verify_document(json.dumps(document).encode(), key.public_key(), UNIT)


def test_another_key_or_another_unit_is_refused() -> None:
    """A report checked with another unit's key, or with a key file naming another unit, is refused."""
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with pytest.raises(AttestationInvalid, match="signed with key"):
        verify_document(_signed(key), other.public_key(), UNIT)
    with pytest.raises(AttestationInvalid, match="the key is CN-HK-IBCS's"):
        verify_document(_signed(key), key.public_key(), "CN-HK-IBCS")


def test_a_signed_report_that_does_not_add_up_is_refused() -> None:
    """Signed or not, a report whose digest is not that of its heads attests nothing."""
    key = Ed25519PrivateKey.generate()
    document = json.loads(_signed(key))
    document["report"]["digest"] = "0" * 64
    document["signature"] = sign(document["report"], key)["signature"]
    with pytest.raises(AttestationInvalid, match="digest is not the digest of the heads"):
        verify_document(json.dumps(document).encode(), key.public_key(), UNIT)


@pytest.mark.parametrize("raw", [b'{"hello": 1}', b"not json at all", b"[1, 2]", b'{"report": {}, "signature": 3}'])
def test_garbage_is_not_a_report(raw: bytes) -> None:
    """A file that is not JSON or not a report's shape is unreadable (exit 2), not a tampered report (exit 3)."""
    with pytest.raises(AttestationUnreadable, match="not a Liaison audit report"):
        verify_document(raw, Ed25519PrivateKey.generate().public_key(), UNIT)


def test_a_report_of_another_format_is_unreadable_not_tampered() -> None:
    """A well-formed document of a format or version this tool does not read is refused as unreadable."""
    key = Ed25519PrivateKey.generate()
    document = json.loads(_signed(key))
    document["report"]["version"] = 2
    document["signature"] = sign(document["report"], key)["signature"]
    with pytest.raises(AttestationUnreadable, match="version 2: not one this tool reads"):
        verify_document(json.dumps(document).encode(), key.public_key(), UNIT)


def test_the_signed_key_fingerprint_must_be_the_verifying_keys() -> None:
    """A report whose signed key_fingerprint names another key is refused, even though the signature holds."""
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    unit = get(UNIT)
    assert unit is not None
    report = build_attestation(unit, _audit(), other.public_key(), datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    raw = json.dumps(sign(report, key)).encode()
    with pytest.raises(AttestationInvalid, match=r"signed key_fingerprint \w+… is not this public key's"):
        verify_document(raw, key.public_key(), UNIT)


def test_a_key_file_without_its_unit_line_names_no_unit() -> None:
    """Stripping the label (or leaving it empty) leaves a key file that names no unit."""
    private, public = key_files(UNIT, Ed25519PrivateKey.generate())
    assert unit_of(public.split(b"\n", 1)[1]) is None
    assert unit_of(b"Liaison unit: \n" + private.split(b"\n", 1)[1]) is None


def test_canonical_bytes_ignore_key_order_and_spacing() -> None:
    """The signed bytes depend on the values only, so a pretty-printed report still verifies."""
    assert canonical({"b": 1, "a": {"d": "é", "c": [2, 1]}}) == canonical(json.loads('{"a":{"c":[2,1],"d":"é"},"b":1}'))


def test_key_files_name_their_unit_and_load_back() -> None:
    """Key files start with the unit's line and load back as the same Ed25519 key pair."""
    key = Ed25519PrivateKey.generate()
    private, public = key_files(UNIT, key)
    assert unit_of(private) == unit_of(public) == UNIT
    assert load_private(private).public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert load_public(public).public_bytes_raw() == key.public_key().public_bytes_raw()


def test_compare_heads_names_every_difference() -> None:
    """A case changed, missing or only local is named; equal heads give nothing."""
    assert compare_heads(HEADS, dict(HEADS)) == []
    local = {**HEADS, "HL-D": (1, "d" * 64)}
    local["HL-A"] = (4, "e" * 64)
    del local["HL-B"]
    found = compare_heads(HEADS, local)
    assert [line.split(":")[0] for line in found] == ["case HL-A", "case HL-B", "case HL-D"]
    assert "not in the local log" in found[1]
    assert "not in the report" in found[2]

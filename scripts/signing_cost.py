"""What signing and checking one report costs, in this process: `.venv/bin/python scripts/signing_cost.py [N]`.

Prints microseconds per report for: Ed25519 verification with the `cryptography` package (OpenSSL) and with
PyNaCl (libsodium), `signatures.check` as the intake runs it (parse, registry lookup, verify, the proof), and
`signatures.sign` as a tool runs it (key id included). ADR 0020 and docs/benchmarks.md cite its figures.
"""

from __future__ import annotations

import base64
import sys
import timeit
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.access.signatures import Registry, check, key_id, raw_public, sign, signed_message
from shared.events.envelope import Instant
from shared.events.keys import UnitKeyRegistered
from tests.signing import KEYS
from tests.unit.hotline.reports import NOW, VN, log_call


def main(n: int) -> None:
    key = KEYS[VN]
    registry = Registry()
    registry.apply(UnitKeyRegistered(
        event_id="e", case_id="UNIT-KEYS", case_version=1, occurred_at=Instant.at(NOW, "+07:00"), recorded_at=NOW,
        unit="operator", officer="operator", causation_id="k", correlation_id="k", handling="H0",
        key_id=key_id(key.public_key()), public_key=base64.b64encode(raw_public(key.public_key())).decode(),
        purpose="unit", holder=VN,
    ), 1)
    report = msgspec.json.encode(log_call("cost-1"))
    signature = sign(key, report)
    message = signed_message(report, None)
    raw = base64.b64decode(signature.split(b":")[2])
    public, verifier = key.public_key(), registry.keys[key_id(key.public_key())]
    print(f"report: {len(report)} bytes; {n} runs each")
    for name, action in [
        ("verify, cryptography (OpenSSL)", lambda: public.verify(raw, message)),
        ("verify, PyNaCl (libsodium)", lambda: verifier.verifies(raw, message)),
        ("signatures.check (the intake)", lambda: check(registry, report, VN, "cost-1", signature, None)),
        ("signatures.sign (the tool)", lambda: sign(key, report)),
    ]:
        print(f"{name:<34} {timeit.timeit(action, number=n) / n * 1e6:7.1f} µs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)

"""Events of the signing-key registry: which key may sign for whom, and from when to when (ADR 0020).

They live in one case of the log, ``UNIT-KEYS``, so the history of who could sign when is chained,
exported and attested like every other case.
"""

from __future__ import annotations

from typing import Literal

from shared.events.envelope import Event, Identifier

KeyPurpose = Literal["unit", "gateway", "service"]
"""``unit``: signs its own unit's reports; ``gateway``: attests reports whose token it checked;
``service``: attests the reports a service sends itself (the incidents service's follow-ups)."""


class UnitKeyRegistered(Event, frozen=True, kw_only=True, tag="UnitKeyRegistered"):
    """A public key was registered: reports signed with it are accepted for ``holder``."""

    key_id: Identifier
    """sha256 of the raw public key, hex."""
    public_key: str
    """The raw 32-byte Ed25519 public key, standard base64."""
    purpose: KeyPurpose
    holder: Identifier
    """The unit code (purpose ``unit``), or the name of the gateway or service holding the key."""


class UnitKeyRevoked(Event, frozen=True, kw_only=True, tag="UnitKeyRevoked"):
    """A key was revoked: reports signed with it are refused from now on (``key_revoked``)."""

    key_id: Identifier
    reason: str | None = None

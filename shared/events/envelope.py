"""The envelope every event carries, and the value types events are built from.

Events are immutable msgspec Structs in a tagged union (``type`` is the tag).
Unknown fields are tolerated on decode (ADR 0011): a newer writer may add a
field and an older reader must still read the log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Literal

import msgspec

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A datetime that must carry an offset: naive times are refused on decode."""

UtcOffset = Annotated[str, msgspec.Meta(pattern=r"^[+-](0\d|1[0-4]):[0-5]\d$")]
"""An author's UTC offset as ``+07:00`` (Vietnam) or ``+08:00`` (China)."""

Language = Literal["vi", "zh", "en"]
Handling = Literal["H0", "H1", "H2", "H3"]
"""Handling codes: H0 open; H1 partner units only; H2 named units only; H3 no onward disclosure."""

Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class Instant(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A moment: the UTC instant, the author's offset, and the text the person typed, if any."""

    utc: AwareDatetime
    offset: UtcOffset
    text: str | None = None

    @classmethod
    def at(cls, moment: datetime, offset: str, text: str | None = None) -> Instant:
        """Build an Instant from an aware datetime, normalised to UTC."""
        return cls(utc=moment.astimezone(UTC), offset=offset, text=text)

    def local(self) -> datetime:
        """The same instant on the author's wall clock."""
        sign = 1 if self.offset[0] == "+" else -1
        hours, minutes = int(self.offset[1:3]), int(self.offset[4:6])
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return self.utc.astimezone(tz)


class Text(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Free text in two languages; ``original`` marks the language it was written in."""

    original: Language
    vi: str | None = None
    zh: str | None = None
    en: str | None = None

    def get(self, language: Language) -> str | None:
        """The text in one language, if present."""
        value: str | None = getattr(self, language)
        return value


class Proof(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who said it: the signature a report arrived with, kept on the first event it recorded (ADR 0020).

    ``report`` is the signed report's text exactly as received, so anyone holding the signer's
    public key (registered in the log, case ``UNIT-KEYS``) can verify the signature later. A direct
    signature covers ``"liaison report v1\n" + report``; an attestation by the gateway or a service
    covers ``"liaison attested report v1\n" + principal + "\n" + report``, and ``principal`` names
    whom it vouches for (the token's id, unit and role; or the service itself).
    """

    key: str
    """The signing key's id: sha256 of its raw 32-byte Ed25519 public key, hex."""
    signature: str
    """The Ed25519 signature, standard base64."""
    report: str
    principal: str | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """The envelope: identity, ordering, provenance and handling of one recorded fact."""

    event_id: Identifier
    schema_version: int = 1
    case_id: Identifier
    case_version: int
    occurred_at: Instant
    recorded_at: AwareDatetime
    unit: Identifier
    officer: Identifier
    causation_id: Identifier
    correlation_id: Identifier
    handling: Handling = "H1"
    exercise: bool = False
    proof: Proof | None = None
    """The signature of the report that recorded this event (on the first of its events only)."""

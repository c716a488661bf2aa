"""Rules of the key-registry case (``UNIT-KEYS``): its events open a case of kind ``registry`` and count nothing.

Who may sign for whom is read from the log itself (shared/access/unit_keys.py); the view only names
the case's kind, its parties (the holders) and its clocks, which every view keeps.
"""

from __future__ import annotations

from shared.events.keys import UnitKeyRegistered, UnitKeyRevoked
from shared.readmodel.draft import _Draft, handles


@handles(UnitKeyRegistered, kind="registry")
def _registered(d: _Draft, e: UnitKeyRegistered) -> None:
    """A key registered: nothing to count (the envelope's unit, the operator who recorded it, is the party)."""


@handles(UnitKeyRevoked, kind="registry")
def _revoked(d: _Draft, e: UnitKeyRevoked) -> None:
    """A key revoked: nothing to count."""

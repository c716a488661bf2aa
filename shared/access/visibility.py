"""What of a case a principal may see (pure): a unit never sees a case it is not party to; auditors see every case.

Applied by the read model (shared/readmodel/queries.py, updates.py) on every read path: the case
list, one case, its events, the case-updates stream. Handling codes within a case (H2: units of
the originating country; H3: the originating unit) are enforced per event in a later step
(docs/security.md says where this stands).
"""

from __future__ import annotations

import msgspec

from shared.access.principals import Principal


class _Parties(msgspec.Struct):
    parties: tuple[str, ...] = ()


_parties = msgspec.json.Decoder(_Parties).decode


def may_see(viewer: Principal | None, raw_view: bytes) -> bool:
    """True if ``viewer`` may see the case whose stored view this is (None: a process on the box, sees all)."""
    if viewer is None or viewer.sees_every_case:
        return True
    try:
        return viewer.unit in _parties(raw_view).parties
    except msgspec.DecodeError:
        return False

"""Checks of the hotline's deciders; each raises Rejected naming the field and the problem.

The checks every service makes (units, local times, free text) are in shared/domain/rules.py.
"""

from __future__ import annotations

from services.hotline.domain import reasons
from services.hotline.domain.reasons import Rejected
from shared.domain.rules import local_time as local_time
from shared.domain.rules import offset_of as offset_of
from shared.domain.rules import text as text
from shared.domain.rules import unit as unit
from shared.units import Unit


def across_border(author: Unit, field: str, other: Unit) -> None:
    """The other unit of a letter is across the border from the author."""
    if other.country == author.country:
        raise Rejected(
            reasons.INVALID_PARTY,
            f"{field}: {other.code} is in {other.country}, like the sending unit {author.code}; "
            "hotline letters go across the border",
        )

"""The incidents service's policy: deadlines, who may override consent, and the patrol agreements.

A configuration object passed to ``decide`` and ``due`` (never module constants), so a deployment
changes a deadline or a patrol section in data. ``default_policy()`` reads ``policy.json`` beside
this module: the Lao Cai–Mong Tu bilateral patrols over markers 85-172 in 11 sections and the
monthly joint patrols of the 15th-25th the seeds describe.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Annotated

import msgspec

from shared.events.border import Marker, marker_key
from shared.units import UTC_OFFSETS, Country, get

Month = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Quarter = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-Q[1-4]$")]
Day = Annotated[int, msgspec.Meta(ge=1, le=31)]


class PolicyError(ValueError):
    """The policy data cannot be used; the message names the field and the problem."""


class PatrolSection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A patrol section: markers ``first`` to ``last``, both included, one team of each side."""

    code: str
    first: Marker
    last: Marker

    def holds(self, marker: str) -> bool:
        """True if the marker (a sub-marker counts as its main marker) lies in this section."""
        return marker_key(self.first)[0] <= marker_key(marker)[0] <= marker_key(self.last)[0]


class JointPatrolRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Monthly joint patrols: a window of days each month, the host side alternating month by month."""

    timezone: str
    """Named timezone the window's days are counted in (ADR 0014)."""
    first_day: Day = 15
    last_day: Day = 25
    first_host: Country
    from_period: Month
    """The month ``first_host`` hosts; the sides alternate from there (backwards too)."""


class BilateralPatrolRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Quarterly bilateral patrols by patrol section, the presiding side alternating quarter by quarter."""

    timezone: str
    first_host: Country
    from_period: Quarter
    sections: tuple[PatrolSection, ...]


class PatrolAgreement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A patrol mechanism between units of both sides."""

    code: str
    name: str = ""
    units: tuple[str, ...]
    joint_monthly: JointPatrolRule | None = None
    bilateral_quarterly: BilateralPatrolRule | None = None


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything configurable the domain rules and deadlines read (a misspelt key is refused, not ignored)."""

    about: str = msgspec.field(default="", name="_about")

    acknowledge_within: timedelta = timedelta(hours=24)
    """An incident must be acknowledged across the border within this time of being recorded."""
    accept_within: timedelta = timedelta(hours=48)
    """A proposed handover must be accepted or rejected within this time of being recorded."""
    confirm_within: timedelta = timedelta(hours=24)
    """An urgent hotline call needing written confirmation must get its letter within this time."""
    override_roles: tuple[str, ...] = ()
    """Roles authorised to override a victim's consent decision."""
    deadline_officer: str = "deadline-watch"
    """The ``officer`` of overdue events (no person records them: the service does)."""
    agreements: tuple[PatrolAgreement, ...] = ()

    def agreement(self, code: str) -> PatrolAgreement | None:
        """The patrol agreement with this code, or None."""
        return next((a for a in self.agreements if a.code == code), None)


def _check_agreement(index: int, agreement: PatrolAgreement) -> None:
    where = f"agreements[{index}] ({agreement.code})"
    countries = set()
    for code in agreement.units:
        unit = get(code)
        if unit is None:
            raise PolicyError(f"{where}.units: unknown unit {code!r}")
        countries.add(unit.country)
    if countries != {"VN", "CN"}:
        raise PolicyError(f"{where}.units: a patrol agreement needs units of both Vietnam and China")
    rules = (agreement.joint_monthly, agreement.bilateral_quarterly)
    for name, rule in zip(("joint_monthly", "bilateral_quarterly"), rules, strict=True):
        if rule is not None and rule.timezone not in UTC_OFFSETS:
            raise PolicyError(f"{where}.{name}.timezone: {rule.timezone!r} is not one of {sorted(UTC_OFFSETS)}")
    joint = agreement.joint_monthly
    if joint is not None and joint.first_day > joint.last_day:
        raise PolicyError(f"{where}.joint_monthly: first_day {joint.first_day} is after last_day {joint.last_day}")
    bilateral = agreement.bilateral_quarterly
    for section in bilateral.sections if bilateral is not None else ():
        if marker_key(section.first) > marker_key(section.last):
            raise PolicyError(f"{where}: section {section.code} runs from {section.first} back to {section.last}")


def load_policy(data: bytes) -> Policy:
    """A policy from JSON, checked; raises PolicyError naming the field and the problem."""
    try:
        policy = msgspec.json.decode(data, type=Policy)
    except msgspec.ValidationError as exc:
        raise PolicyError(f"policy: {exc}") from None
    except msgspec.DecodeError as exc:
        raise PolicyError(f"policy: not JSON ({exc})") from None
    for index, agreement in enumerate(policy.agreements):
        _check_agreement(index, agreement)
    return policy


@cache
def default_policy() -> Policy:
    """The policy shipped with the service (``policy.json``), loaded once."""
    return load_policy(resources.files(__package__).joinpath("policy.json").read_bytes())

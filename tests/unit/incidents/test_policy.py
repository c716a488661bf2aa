"""The shipped policy matches the seeds, and bad policy data is refused naming the field."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from importlib import resources
from typing import Any

import pytest

from services.incidents.domain import PolicyError, default_policy, load_policy


def _shipped() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(resources.files("services.incidents.domain").joinpath("policy.json").read_bytes())
    return raw


def test_the_default_policy_holds_the_seeds_patrol_sections_and_deadlines() -> None:
    """Lao Cai–Mong Tu: 11 sections covering markers 85 to 172 without gap; acknowledgement within 24 h."""
    policy = default_policy()
    assert policy.acknowledge_within == timedelta(hours=24)
    agreement = policy.agreement("LC-MT-BILATERAL")
    assert agreement is not None
    assert agreement.bilateral_quarterly is not None
    sections = agreement.bilateral_quarterly.sections
    assert len(sections) == 11
    assert (sections[0].first, sections[-1].last) == ("85", "172")
    assert all(int(a.last) + 1 == int(b.first) for a, b in itertools.pairwise(sections))
    joint = policy.agreement("LC-HH-HK-JOINT")
    assert joint is not None
    assert joint.joint_monthly is not None
    assert (joint.joint_monthly.first_day, joint.joint_monthly.last_day) == (15, 25)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(acknowledge_whithin="PT1H"), "acknowledge_whithin"),
        (lambda p: p["agreements"][0].update(units=["VN-LC-BGC", "VN-LC-IBGS"]), "agreements[0]"),
        (lambda p: p["agreements"][0].update(units=["VN-LC-BGC", "CN-NOPE"]), "CN-NOPE"),
        (lambda p: p["agreements"][1]["joint_monthly"].update(timezone="Europe/Paris"), "timezone"),
        (lambda p: p["agreements"][1]["joint_monthly"].update(first_day=26), "first_day"),
        (lambda p: p["agreements"][0]["bilateral_quarterly"]["sections"][0].update(first="93"), "LC-MT-01"),
        (lambda p: p["agreements"][0]["bilateral_quarterly"]["sections"][0].update(first="8-5"), "first"),
    ],
    ids=["misspelt-key", "one-country", "unknown-unit", "timezone", "window", "section-backwards", "marker"],
)
def test_bad_policy_data_is_refused_naming_the_problem(change: Any, field: str) -> None:
    """A misspelt key, a one-country agreement, an unknown unit or timezone, a bad window or section: PolicyError."""
    raw = _shipped()
    change(raw)
    with pytest.raises(PolicyError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load_policy(json.dumps(raw).encode())

"""The registry of border units: code, country, names in vi/zh/en, timezone, counterparts."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import msgspec

Country = Literal["VN", "CN"]

UTC_OFFSETS: dict[str, str] = {"Asia/Ho_Chi_Minh": "+07:00", "Asia/Shanghai": "+08:00"}
"""Neither Vietnam nor China keeps daylight saving, so each timezone has one offset."""


class UnitNames(msgspec.Struct, frozen=True):
    """A unit's name in each language."""

    vi: str
    zh: str
    en: str


class Unit(msgspec.Struct, frozen=True):
    """One border unit."""

    code: str
    country: Country
    timezone: str
    level: str
    names: UnitNames
    counterparts: tuple[str, ...] = ()

    @property
    def utc_offset(self) -> str:
        """The unit's UTC offset, ``+07:00`` or ``+08:00``."""
        return UTC_OFFSETS[self.timezone]


class _Registry(msgspec.Struct):
    units: list[Unit]


@cache
def registry() -> dict[str, Unit]:
    """Every known unit by code, loaded once from ``units.json``."""
    raw = resources.files("shared").joinpath("units.json").read_bytes()
    return {unit.code: unit for unit in msgspec.json.decode(raw, type=_Registry).units}


def get(code: str) -> Unit | None:
    """The unit with this code, or None."""
    return registry().get(code)

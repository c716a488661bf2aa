"""The report types, derived from the services' command unions (``AnyCommand``, msgspec tagged unions).

Each service declares its reports once, as the members of its ``AnyCommand``; a report's ``type`` is
its struct's tag. Everything else that names report types comes from here: the kinds of case
``liaison simulate`` drives, and ``shared/report_types.py``, the routing table the gateway and
``shared.reports`` read (``scripts/report_types.py`` writes it: neither ``shared`` nor the gateway
may import a service).
"""

from __future__ import annotations

from typing import get_args

import msgspec

from services.hotline.domain.commands import AnyCommand as HotlineCommand
from services.incidents.domain.commands import COMMAND_KINDS
from services.incidents.domain.commands import AnyCommand as IncidentsCommand


def _tag(member: type[msgspec.Struct]) -> str:
    return str(member.__struct_config__.tag)


def tags(union: object) -> tuple[str, ...]:
    """The ``type`` of each member of a msgspec tagged union, in the union's order."""
    return tuple(_tag(member) for member in get_args(union))


def _by_case_kind() -> dict[str, tuple[str, ...]]:
    """The incidents service's report types by the kind of case each is about (``COMMAND_KINDS``)."""
    grouped: dict[str, list[str]] = {}
    for member in get_args(IncidentsCommand):
        grouped.setdefault(COMMAND_KINDS[member], []).append(_tag(member))
    return {case_kind: tuple(types) for case_kind, types in grouped.items()}


UNIONS: dict[str, object] = {"hotline": HotlineCommand, "incidents": IncidentsCommand}
"""Each service's command union (its reports' schemas are generated from these)."""

TYPES_OF: dict[str, tuple[str, ...]] = {service: tags(union) for service, union in UNIONS.items()}
"""The report types each service handles."""

SERVICE_OF: dict[str, str] = {kind: service for service, kinds in TYPES_OF.items() for kind in kinds}
"""Which service's intake each report type goes to."""

CASE_TYPES: dict[str, tuple[str, ...]] = {"hotline": TYPES_OF["hotline"]} | _by_case_kind()
"""The report types of each kind of case ``liaison simulate`` opens: every hotline report, then the
incidents service's by kind."""

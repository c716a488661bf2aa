"""shared/report_types.py is exactly what scripts/report_types.py derives from the services' command unions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from liaison.report import types
from services.hotline.domain.commands import COMMAND_TYPES as HOTLINE_TYPES
from services.incidents.domain.commands import COMMAND_TYPES as INCIDENTS_TYPES
from shared import reports

ROOT = Path(__file__).resolve().parents[3]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_types_generator", ROOT / "scripts" / "report_types.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_table_is_what_the_unions_generate() -> None:
    """A report type added to a union without `python scripts/report_types.py` fails here."""
    checked_in = (ROOT / "shared" / "report_types.py").read_text(encoding="utf-8")
    assert checked_in == _generator().render(), (
        "shared/report_types.py is out of date: run `.venv/bin/python scripts/report_types.py`"
    )


def test_the_checked_in_report_schemas_are_what_the_unions_generate() -> None:
    """A report type's fields changed without `python scripts/report_types.py` fail here: the OpenAPI document
    serves these schemas as its `Report`."""
    checked_in = (ROOT / "shared" / "report_schemas.json").read_text(encoding="utf-8")
    assert checked_in == _generator().render_schemas(), (
        "shared/report_schemas.json is out of date: run `.venv/bin/python scripts/report_types.py`"
    )


def test_the_report_schema_is_one_of_every_report_type_told_apart_by_its_type() -> None:
    """`Report` is a oneOf of every report type, with a `type` discriminator mapping each type to its own schema."""
    schemas = json.loads((ROOT / "shared" / "report_schemas.json").read_text(encoding="utf-8"))
    report = schemas["Report"]
    assert report["discriminator"]["propertyName"] == "type"
    assert set(report["discriminator"]["mapping"]) == set(types.SERVICE_OF)
    assert [member["$ref"] for member in report["oneOf"]] == list(report["discriminator"]["mapping"].values())
    for kind, ref in report["discriminator"]["mapping"].items():
        member = schemas[ref.rsplit("/", 1)[1]]
        assert member["properties"]["type"] == {"enum": [kind]}
        assert {"type", "command_id"} <= set(member["required"])


def test_the_derived_types_are_each_services_command_types() -> None:
    """The tags of each union are its service's command types, and the routing table is the derived one."""
    assert set(types.TYPES_OF["hotline"]) == set(HOTLINE_TYPES)
    assert set(types.TYPES_OF["incidents"]) == set(INCIDENTS_TYPES)
    assert reports.SERVICE_OF == types.SERVICE_OF
    assert {t for kind_types in types.CASE_TYPES.values() for t in kind_types} == set(types.SERVICE_OF)

"""docs/asyncapi.yaml is exactly what scripts/asyncapi.py generates from the types, and covers every stream."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from shared.events.union import EVENT_TYPES
from shared.reports import SERVICE_OF

ROOT = Path(__file__).resolve().parents[3]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("asyncapi_generator", ROOT / "scripts" / "asyncapi.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_file_is_what_the_types_generate() -> None:
    """Regenerate and compare: a type changed without `python scripts/asyncapi.py` fails here."""
    generated = _generator().render()
    checked_in = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert checked_in == generated, "docs/asyncapi.yaml is out of date: run `.venv/bin/python scripts/asyncapi.py`"


def test_every_stream_and_every_type_is_described() -> None:
    """Intake and dead letters of each routed service, outcomes, partition logs, updates; every event and report."""
    document: dict[str, Any] = _generator().document()
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    services = set(SERVICE_OF.values())
    expected = {f"liaison:intake:{s}" for s in services} | {f"liaison:dead:{s}" for s in services}
    expected |= {"liaison:outcomes", "liaison:{tag}:log", "liaison:{tag}:updates"}
    assert addresses == expected
    schemas = document["components"]["schemas"]
    assert set(EVENT_TYPES) <= set(schemas)
    assert set(SERVICE_OF) <= set(schemas)
    assert {"Outcome", "Reason", "CaseView", "Event"} <= set(schemas)
    for operation in document["operations"].values():
        assert operation["channel"]["$ref"].removeprefix("#/channels/") in document["channels"]


def test_the_yaml_writer_quotes_what_yaml_would_misread() -> None:
    """Keys like 200, yes or on are quoted; every string value is a double-quoted JSON string."""
    to_yaml = _generator().to_yaml
    text = to_yaml({"200": {"on": "yes", "plain_key": [1, True, None, "x: y"]}, "empty": {}, "none": []})
    assert text == (
        '"200":\n'
        '  "on": "yes"\n'
        "  plain_key:\n"
        "    - 1\n"
        "    - true\n"
        "    - null\n"
        '    - "x: y"\n'
        "empty: {}\n"
        "none: []\n"
    )

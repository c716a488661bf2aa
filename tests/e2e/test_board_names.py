"""The board names units and incident categories as the rest of Liaison does.

app.js carries a copy of the units' names (shared/units.json) and of the incident categories' labels
(shared/events/categories.py), in English, Vietnamese and Chinese, between ``// BEGIN NAMES`` and
``// END NAMES``: the board loads nothing but its own files. This fails when the copy and the source differ;
regenerate the block from the source then.
"""

from __future__ import annotations

import json
import re

from services.gateway.board import STATIC
from shared.events.categories import CATEGORY_LABELS
from shared.units import registry


def _block(name: str) -> dict[str, list[str]]:
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    names = script.split("// BEGIN NAMES", 1)[1].split("// END NAMES", 1)[0]
    found = re.search(r"const " + name + r" = (\{.*?\n  \});", names, re.DOTALL)
    assert found is not None, f"no {name} in app.js's names"
    return dict(json.loads(re.sub(r",\n  \}$", "\n}", found.group(1))))


def test_the_boards_unit_names_are_the_registrys() -> None:
    """Every unit of shared/units.json, with its names [en, vi, zh], and no other."""
    assert _block("UNIT_NAMES") == {
        code: [unit.names.en, unit.names.vi, unit.names.zh] for code, unit in registry().items()
    }


def test_the_boards_incident_categories_are_the_domains() -> None:
    """Every incident category with its labels [en, vi, zh], and no other."""
    assert _block("CATEGORY_NAMES") == {
        code: [labels.en, labels.vi, labels.zh] for code, labels in CATEGORY_LABELS.items()
    }

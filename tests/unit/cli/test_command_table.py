"""``liaison.cli``: the parser and the dispatch come from the one table, and README's command table is true."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from liaison import cli

ROOT = Path(__file__).resolve().parents[3]


def _parser_commands() -> set[str]:
    (sub,) = (a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_the_parser_and_the_dispatch_have_the_same_commands() -> None:
    """Every command the parser accepts is dispatched, and nothing is dispatched that cannot be parsed."""
    assert _parser_commands() == set(cli.BY_NAME)
    assert len(cli.BY_NAME) == len(cli.COMMANDS), "two entries of the table share a name"


def test_every_command_of_the_readme_table_exists() -> None:
    """The first column of README.md's command table names only commands the parser knows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `liaison ")]
    named = {name for row in rows for name in re.findall(r"`liaison ([a-z][a-z-]*)", row.split(" | ")[0])}
    assert rows, "README.md has no command table"
    assert named - _parser_commands() == set()
    assert {"up", "send", "audit-report", "verify-report", "keygen", "person"} <= named

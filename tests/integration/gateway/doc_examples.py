"""The Python examples of docs/clients.md, taken from the page itself so the tests run the very code readers copy."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[3] / "docs" / "clients.md"


def example(name: str) -> str:
    """The code of the ```python block that follows ``<!-- example: NAME … -->`` in docs/clients.md."""
    found = re.search(rf"<!-- example: {re.escape(name)}\b[^\n]*-->\n```python\n(.*?)```", DOC.read_text(), re.S)
    assert found is not None, f"docs/clients.md has no example {name!r}"
    return found.group(1)


def replaced(code: str, old: str, new: str) -> str:
    """``code`` with the placeholder ``old`` (which must be there) replaced by ``new``."""
    assert old in code, f"the example no longer holds {old!r}"
    return code.replace(old, new)


def run_module(code: str, **names: Any) -> dict[str, Any]:
    """Run an example written as a module, with ``names`` (e.g. a ``print``) defined; its namespace."""
    namespace: dict[str, Any] = {"__name__": "clients_md_example", **names}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def as_coroutine(code: str, *parameters: str, **names: Any) -> Callable[..., Coroutine[Any, Any, None]]:
    """An example written with top-level ``await`` (as in an async function's body) as ``async def``, taking the
    names it uses but does not define (``token``, ``report``) as parameters."""
    source = f"async def example({', '.join(parameters)}):\n{textwrap.indent(code, '    ')}"
    namespace = run_module(source, **names)
    function: Callable[..., Coroutine[Any, Any, None]] = namespace["example"]
    return function

"""The gateway serves the web case board: its page at `/`, its script and style sheet under `/static/`."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from aiohttp.test_utils import TestClient

from services.gateway.board import STATIC

Client = TestClient[Any, Any]


async def test_the_page_and_its_files_are_served_with_a_policy_that_forbids_other_origins(
    bare_api: Callable[..., AbstractAsyncContextManager[Client]],
) -> None:
    """`/` is the board's HTML, every file it references is served with its type, and the browser is told
    to load nothing from anywhere but this gateway."""
    async with bare_api() as client:
        page = await client.get("/")
        assert page.status == 200
        assert page.content_type == "text/html"
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        html = await page.text()
        referenced = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert sorted(referenced) == ["/static/app.css", "/static/app.js"]
        types = {}
        for path in referenced:
            response = await client.get(path)
            assert response.status == 200, path
            assert await response.read() == (STATIC / path.removeprefix("/static/")).read_bytes()
            types[path] = response.content_type
        assert types == {"/static/app.css": "text/css", "/static/app.js": "text/javascript"}


async def test_only_the_boards_own_files_are_served(
    bare_api: Callable[..., AbstractAsyncContextManager[Client]],
) -> None:
    """A name that is not one of the board's files, or that tries to leave its folder, is a JSON 404."""
    async with bare_api() as client:
        for path in ("/static/missing.js", "/static/..%2Fapp.py", "/static/%2E%2E%2Fboard.py"):
            response = await client.get(path)
            assert response.status == 404, path
            assert (await response.json())["reason"]["code"] == "not_found"


def test_the_board_loads_nothing_from_elsewhere() -> None:
    """No file of the board names another origin (these machines are offline): no http(s) URL, no CDN."""
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//cdn|@import", text), path.name

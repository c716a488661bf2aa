"""The web case board: ``GET /`` serves its page, ``GET /static/{name}`` its script and style sheet.

The board is plain HTML, CSS and JavaScript in ``static/`` (no build step, nothing fetched from
elsewhere: these machines are offline). It reads only the public API: ``/v1/cases``,
``/v1/cases/{id}/events`` and ``/v1/updates``.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"

FILES = {path.name: path for path in STATIC.iterdir() if path.is_file()} if STATIC.is_dir() else {}
"""The files served, by name: a request names one of these or gets 404, so no path can leave the folder."""

HEADERS = {
    # Revalidated on every load, so a deployed change shows at once (the files are small).
    "Cache-Control": "no-cache",
    # The page loads nothing from elsewhere and talks only to this gateway; the browser enforces it.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
"""Set here rather than guessed from the machine's mime.types, which differ (with ``nosniff`` they must be right)."""


def _file(name: str) -> web.FileResponse:
    path = FILES.get(name)
    if path is None:
        raise web.HTTPNotFound(reason=f"no file {name!r} in the board's static files")
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return web.FileResponse(path, headers=HEADERS | {"Content-Type": content_type})


async def index(_request: web.Request) -> web.FileResponse:
    """The board's page."""
    return _file("index.html")


async def static_file(request: web.Request) -> web.FileResponse:
    """One of the board's files (``app.js``, ``app.css``); any other name is 404."""
    return _file(request.match_info["name"])

"""What the board's browser tests share: a deployment with its gateway, Debian's Chromium driven by Playwright,
a signed-in page, and axe-core run in that page.

A missing browser, playwright or axe-core fails the board's tests rather than skipping them: the set-up installs
all three (`make setup`: scripts/ensure-debian-package.sh, and the dev dependencies, whose axe-playwright-python wheel
carries axe-core's axe.min.js), so a green run must mean the board was tested. ``LIAISON_SKIP_BROWSER=1`` skips
them on purpose, on a machine where Chromium cannot be installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis as AsyncRedis

from shared.access import tokens
from shared.redis_server import RedisServer, free_port
from shared.store import keys
from tests.e2e.conftest import READS, ROOT, Deployment, wait_until
from tests.signing import register_test_keys_at, write_box_keys

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's browser (the package installs /usr/bin/chromium)."""
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

SKIP_BROWSER = os.environ.get("LIAISON_SKIP_BROWSER") == "1"
"""The explicit opt-out: without it, a missing browser or playwright fails every board test, never skips."""

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1400, "height": 900}


def missing() -> str | None:
    """What the board's browser tests lack, and how to fix it; None when they can run."""
    if not Path(CHROMIUM).exists():
        return ("Debian's chromium is not installed (no `chromium` on PATH): the board's browser test cannot run. "
                "Fix: `make setup` as root installs it (scripts/ensure-debian-package.sh), "
                "or `sudo apt-get install chromium`")
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing. Fix: install the dev dependencies (`make setup`)"
    return None


def axe_script() -> str:
    """axe-core's axe.min.js, as the axe-playwright-python wheel (a dev dependency) ships it; fails the test
    (never skips it) when it is missing."""
    spec = importlib.util.find_spec("axe_playwright_python")
    origin = spec.origin if spec is not None else None
    path = Path(origin).parent / "axe.min.js" if origin else None
    if path is None or not path.is_file():
        pytest.fail("axe-core is missing (the axe-playwright-python package ships it): the board's accessibility "
                    "check cannot run. Fix: install the dev dependencies (`make setup`)", pytrace=False)
    return path.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: frozenset[str] = frozenset({"serious", "critical"})) -> list[str]:
    """Run axe-core in the page as it is now; the violations of those impacts, one line each (rule, impact,
    how many elements, the first of them and why)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_script())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in impacts:
            node = violation["nodes"][0]
            found.append(f"{violation['id']} ({violation['impact']}) on {len(violation['nodes'])} element(s), "
                         f"e.g. {node['target']}: {node.get('failureSummary', '')}")
    return found


async def _issue(url: str, unit: str, role: str) -> str:
    client = AsyncRedis.from_url(url)
    try:
        return (await tokens.issue(client, unit, role)).token
    finally:
        await client.aclose()


@dataclass
class Board:
    """The deployment with its gateway, whose process a test may stop and start again."""

    deployment: Deployment
    address: str
    gateway: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    """``auditor`` (what the page and ``get`` use: every case) and ``officer:<unit>`` (what ``post`` uses)."""

    def token(self, unit: str, role: str) -> str:
        """A token of ``role`` for ``unit``, issued once in the deployment's Redis."""
        key = role if role == "auditor" else f"{role}:{unit}"
        if key not in self.tokens:
            # In a thread of its own: Playwright's sync API runs an event loop in this one.
            with ThreadPoolExecutor(1) as thread:
                self.tokens[key] = thread.submit(asyncio.run, _issue(self.deployment.redis.url, unit, role)).result()
        return self.tokens[key]

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start_gateway(self) -> None:
        """Start `python -m services.gateway` and wait until it serves the board."""
        env = self.deployment.env | {"LIAISON_HTTP": self.address}
        with open(self.deployment.workdir / "gateway.log", "ab") as log:
            self.gateway = subprocess.Popen(
                [sys.executable, "-m", "services.gateway"], env=env, cwd=ROOT, stdout=log, stderr=log
            )
        wait_until(self._serving, 20, "the gateway to serve the board")

    def _serving(self) -> bool:
        assert self.gateway is not None
        assert self.gateway.poll() is None, self._log()
        try:
            with urllib.request.urlopen(f"{self.url}/", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError):
            return False

    def stop_gateway(self) -> None:
        """Stop the gateway as an operator would (SIGTERM): open update streams are cut."""
        assert self.gateway is not None
        self.gateway.terminate()
        assert self.gateway.wait(15) == 0, self._log()
        self.gateway = None

    def _log(self) -> str:
        return (self.deployment.workdir / "gateway.log").read_text(errors="replace")

    def post(self, report: dict[str, Any]) -> dict[str, Any]:
        """POST one report to /v1/commands with an officer token of its unit; its outcome (accepted, or it fails)."""
        request = urllib.request.Request(
            f"{self.url}/v1/commands", data=json.dumps(report).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.token(report['unit'], 'officer')}"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            outcome: dict[str, Any] = json.loads(response.read())
        assert outcome["status"] == "accepted", outcome
        return outcome

    def get(self, path: str) -> Any:
        """GET one API path with the auditor's token (every case), as JSON."""
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token('VN-LC-BGC', 'auditor')}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())


@contextmanager
def deploy_board(workdir: Path, services: tuple[str, ...] = ("hotline", "projections")) -> Iterator[Board]:
    """The services and the gateway running against a private Redis, as `tests/e2e/conftest.py`'s deployment
    runs them (each a process of its own), for one test module to share."""
    server = RedisServer(workdir / "redis").start()
    env = {
        **os.environ,
        "LIAISON_REDIS_URL": server.url,
        "LIAISON_PARTITIONS": "4",
        "LIAISON_VAR": str(workdir / "var"),
        "PYTHONPATH": str(ROOT),
    }
    write_box_keys(workdir / "var")  # what `liaison up` makes: the units', the gateway's and the incidents' keys
    register_test_keys_at(server.url)
    deployment = Deployment(server, workdir, env)
    running = Board(deployment, f"127.0.0.1:{free_port()}")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(READS, "incidents", (keys.intake("incidents"), "incidents"))
            for service in services:
                deployment.start(service)
        running.start_gateway()
        yield running
    finally:
        if running.gateway is not None:
            running.gateway.terminate()
            running.gateway.wait(15)
        deployment.stop_all()
        server.stop()


@contextmanager
def launch_browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright's own driver (no browser is downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def open_page(browser: Any, viewport: dict[str, int], locale: str = "en-US") -> Iterator[Any]:
    """A page in a fresh browser context (empty storage); fails the test if the board's script throws."""
    errors: list[str] = []
    context = browser.new_context(locale=locale, viewport=viewport)
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(10_000)
    # expect() waits 5 s by default: a loaded machine (a suite beside another) can take longer to redraw a list.
    from playwright.sync_api import expect  # here: a missing playwright is reported by _missing(), not at import

    expect.set_options(timeout=10_000)
    try:
        yield opened
    finally:
        context.close()
    assert errors == [], f"the board's script failed: {errors}"


def open_live(page: Any, board: Board, fragment: str = "") -> None:
    """Load the board, sign in with a token as a person would, and wait until it has its cases and is live."""
    page.goto(f"{board.url}/{fragment}")
    page.wait_for_selector("#sign-in:not([hidden])")
    page.fill("#token", board.token("VN-LC-BGC", "auditor"))
    page.click("#sign-in button[type='submit']")
    page.wait_for_selector("body[data-loaded='true']")
    page.wait_for_selector("#connection[data-state='live']")

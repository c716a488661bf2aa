"""The web case board in real headless Chromium (Debian's, driven by Playwright) against real processes.

redis-server, `python -m services.hotline`, `python -m services.projections` and
`python -m services.gateway` run as in production; the browser loads the board from the gateway
and the test talks to the system only as a user and a tool would: HTTP and the intake stream.

A missing browser (or playwright) fails this module rather than skipping it: the set-up installs both
(`make setup`, scripts/ensure-debian-package.sh), so a green run must mean the board was tested. Set
``LIAISON_SKIP_BROWSER=1`` to skip it on purpose, on a machine where Chromium cannot be installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from liaison.report.examples import example
from shared.store import keys
from tests.e2e.board_kit import DESK, SKIP_BROWSER, Board, deploy_board, launch_browser, missing, open_live, open_page
from tests.e2e.conftest import wait_until
from tests.signing import signed

MISSING = missing()
if MISSING is not None and SKIP_BROWSER:
    pytest.skip(f"LIAISON_SKIP_BROWSER=1: {MISSING}", allow_module_level=True)
if MISSING is None:
    from playwright.sync_api import expect


@pytest.fixture(scope="module", autouse=True)
def browser_installed() -> None:
    """Fail (not skip) each test of the module, before anything starts, when the browser cannot run."""
    if MISSING is not None:
        pytest.fail(f"{MISSING} (set LIAISON_SKIP_BROWSER=1 to skip the board's browser test on purpose)",
                    pytrace=False)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    """The hotline, the projections and the gateway running against a private Redis, shared by this module's
    tests (each looks only at the cases it made)."""
    with deploy_board(tmp_path_factory.mktemp("board")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page 1400 px wide in a fresh browser context; fails the test if the board's script throws."""
    with open_page(browser, DESK) as opened:
        yield opened


def _open_live(page: Any, board: Board) -> None:
    open_live(page, board)


def _row(case_id: str) -> str:
    return f"#case-rows tr[data-case='{case_id}']"


def test_a_report_shows_live_and_the_page_catches_up_after_its_connection_drops(page: Any, board: Board) -> None:
    """A report POSTed shows on the open board through its live update stream (no reload, no new fetch of
    the cases); one sent while the gateway is down shows once the page has reconnected to the restarted gateway."""
    before = {view["case_id"] for view in board.get("/v1/cases")}
    _open_live(page, board)
    rows = page.locator("#case-rows tr.case")
    expect(rows).to_have_count(len(before))

    cases_loaded: list[str] = []
    page.on("request", lambda request: cases_loaded.append(request.url) if "/v1/cases" in request.url else None)
    page.evaluate("window.liaisonSamePage = true")
    first = board.post(example("LogCall"))
    page.wait_for_selector(_row(first["case_id"]), timeout=15_000)
    # Shown by the update stream itself: the page neither reloaded nor fetched the cases again.
    assert page.evaluate("window.liaisonSamePage === true"), "the page was reloaded"
    assert cases_loaded == [], f"the case showed only after the page fetched the cases again: {cases_loaded}"
    assert page.get_attribute("#connection", "data-state") == "live"

    board.stop_gateway()
    page.wait_for_selector("#connection[data-state='reconnecting']")
    # The gateway is down: a tool puts the report on the intake stream itself (the documented format).
    letter = example("SendLetter")
    client = Redis.from_url(board.deployment.redis.url)
    try:
        client.xadd(keys.intake("hotline"), signed(json.dumps(letter).encode()))  # type: ignore[arg-type]
    finally:
        client.close()
    assert rows.count() == len(before) + 1, "nothing new can show while the page is cut off"

    board.start_gateway()
    page.wait_for_selector("#connection[data-state='live']", timeout=10_000)
    expect(rows).to_have_count(len(before) + 2, timeout=10_000)
    shown = set(rows.evaluate_all("rows => rows.map(r => r.dataset.case)"))
    served = {view["case_id"] for view in board.get("/v1/cases")}
    assert shown == served
    assert len(served - before - {first["case_id"]}) == 1, "the letter sent while the gateway was down shows"


def test_the_board_switches_language_shows_both_clocks_and_a_timeline_with_the_original_marked(
    page: Any, board: Board, tmp_path: Path
) -> None:
    """Labels follow the chosen language (remembered across a reload), times show on both clocks, filters
    hide and show the case, and its timeline gives each event's type, clocks, unit and text with the original marked."""
    report = example("LogCall")
    case_id = board.post(report)["case_id"]
    wait_until(lambda: case_id in {v["case_id"] for v in board.get("/v1/cases")}, 10, "the case's view")
    view = board.get(f"/v1/cases/{case_id}")
    _open_live(page, board)
    row = page.locator(_row(case_id))

    assert page.inner_text("#cases-heading") == "Cases"
    page.click("button[data-lang='zh']")
    assert page.inner_text("#cases-heading") == "案件"
    assert page.get_attribute("html", "lang") == "zh-Hans"
    expect(row.locator("td").nth(0)).to_have_text("热线")
    page.click("button[data-lang='vi']")
    assert page.inner_text("#cases-heading") == "Vụ việc"
    page.reload()
    page.wait_for_selector("body[data-loaded='true']")
    assert page.inner_text("#cases-heading") == "Vụ việc", "the chosen language is remembered"
    assert page.get_attribute("button[data-lang='vi']", "aria-pressed") == "true"

    # Both clocks: the view's Vietnam (+07:00) and China (+08:00) times, to the minute.
    last = row.locator("td").nth(3)
    vietnam, china = view["last_update"]["vietnam"], view["last_update"]["china"]
    assert vietnam[11:16] != china[11:16]
    assert last.locator("time.clock.vn").inner_text().endswith(f"{vietnam[:10]} {vietnam[11:16]}")
    assert last.locator("time.clock.cn").inner_text().endswith(china[11:16])
    assert last.locator("time.clock.vn").get_attribute("datetime") == vietnam[:16] + "+07:00"
    assert last.locator("time.clock.cn").get_attribute("datetime") == china[:16] + "+08:00"
    assert page.locator("#now-clocks time.clock").count() == 2

    page.select_option("#filter-kind", "incident")
    expect(row).to_have_count(0)
    page.select_option("#filter-kind", "")
    page.select_option("#filter-unit", "CN-HK-IBCS")
    expect(row).to_have_count(1)
    page.select_option("#filter-status", "closed")
    expect(row).to_have_count(0)
    page.select_option("#filter-status", "open")
    expect(row).to_have_count(1)

    page.click("button[data-lang='zh']")
    page.click(f"{_row(case_id)} .case-link")
    event = page.locator("#events li.event")
    expect(event).to_have_count(view["version"])
    expect(event.first.locator(".event-type")).to_have_text("热线通话记录")
    assert event.first.locator("time.clock").count() == 2
    assert "VN-LC-IBGS" in event.first.locator(".event-who").inner_text()
    translated = event.first.locator("p.text[lang='zh-Hans']")
    assert report["summary"]["zh"] in translated.inner_text()
    original = event.first.locator("p.text.is-original[lang='vi']")
    assert report["summary"]["vi"] in original.inner_text()
    assert "原文" in original.locator(".original-tag").inner_text()
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)


def test_the_board_asks_for_a_token_and_shows_nothing_without_one(page: Any, board: Board) -> None:
    """A fresh tab shows the sign-in form and no case; a refused token says why and shows nothing either."""
    page.goto(f"{board.url}/")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert page.locator("#case-rows tr.case").count() == 0
    page.fill("#token", "lsn_000000000000_" + "x" * 43)
    page.click("#sign-in button[type='submit']")
    page.wait_for_selector("#sign-in-problem:not([hidden])")
    assert "unknown token" in page.inner_text("#sign-in-problem")
    assert page.locator("#case-rows tr.case").count() == 0
    assert page.evaluate("window.sessionStorage.getItem('liaison.board.token')") is None

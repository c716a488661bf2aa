"""The case board on a phone (390 x 844) and on a desk (1400 x 900), in real headless Chromium against real processes.

redis-server, the hotline, incidents and projections services and the gateway run as in production, loaded with
`liaison simulate` traffic between the seed units (hotline calls and letters, incidents, handovers, patrols, talks).
At both widths: no horizontal scrolling, cards on the phone and a table on the desk, a summary that counts what
is listed, search, sorting and pages kept in the address, a followed case's timeline updating live, and axe-core
(run in the page) finding nothing serious or critical in the list or in a followed case.

Each run also writes the screenshots to docs/ (board-390.png, board-390-case.png, board-1400-list.png,
board-1400.png), which docs/board.md shows; ``LIAISON_BOARD_SCREENSHOTS=0`` keeps them in the test's temporary
folder only.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from liaison.report.examples import example
from shared.units import registry
from tests.e2e.board_kit import (
    DESK,
    PHONE,
    SKIP_BROWSER,
    Board,
    axe_violations,
    deploy_board,
    launch_browser,
    missing,
    open_live,
    open_page,
)
from tests.e2e.conftest import ROOT, wait_until

MISSING = missing()
if MISSING is not None and SKIP_BROWSER:
    pytest.skip(f"LIAISON_SKIP_BROWSER=1: {MISSING}", allow_module_level=True)
if MISSING is None:
    from playwright.sync_api import expect

WIDTHS = pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390px", "1400px"])
DOCS = ROOT / "docs"
SCREENSHOTS_TO_DOCS = os.environ.get("LIAISON_BOARD_SCREENSHOTS", "1") != "0"
"""The suite regenerates the screenshots in docs/ (issue 12); LIAISON_BOARD_SCREENSHOTS=0 leaves docs/ alone."""


@pytest.fixture(scope="module", autouse=True)
def browser_installed() -> None:
    """Fail (not skip) each test of the module, before anything starts, when the browser cannot run."""
    if MISSING is not None:
        pytest.fail(f"{MISSING} (set LIAISON_SKIP_BROWSER=1 to skip the board's browser test on purpose)",
                    pytrace=False)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    """One deployment for the module, with simulated traffic between the seed units (about 140 cases of every kind)."""
    with deploy_board(tmp_path_factory.mktemp("board-layout"), ("hotline", "incidents", "projections")) as running:
        run = running.deployment.liaison("simulate", "--events", "120", "--seed", "5", "--json")
        assert run.returncode == 0, run.stderr
        summary = json.loads(run.stdout)
        assert summary["rejected"] == {}, summary["rejected"]
        # An incident typed in a day late, so an overdue one is there whatever the traffic's luck.
        late = running.post(example("RaiseIncident", datetime.now(UTC) - timedelta(hours=26)))
        caused = set(summary["cases"]) | set(summary["follow_up_cases"]) | {late["case_id"]}
        wait_until(lambda: caused <= {v["case_id"] for v in running.get("/v1/cases")}, 20, "every simulated case")
        seen: list[Any] = []

        def settled() -> bool:  # the follow-ups (acknowledgements, overdue deadlines) are all in the views
            seen.append(running.get("/v1/cases"))
            return len(seen) > 3 and seen[-1] == seen[-2] == seen[-3] == seen[-4]

        wait_until(settled, 30, "the views to stop changing")
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as launched:
        yield launched


def _phone(viewport: dict[str, int]) -> bool:
    return viewport["width"] < 896


def _items(page: Any, viewport: dict[str, int]) -> Any:
    """The cases listed: cards on a phone, the table's rows on a desk."""
    return page.locator("#case-cards li.case-card" if _phone(viewport) else "#case-rows tr.case")


def _item(page: Any, viewport: dict[str, int], case_id: str) -> Any:
    """One case's card or row."""
    kind = "#case-cards li.case-card" if _phone(viewport) else "#case-rows tr.case"
    return page.locator(f"{kind}[data-case='{case_id}']")


def _shown(page: Any, viewport: dict[str, int]) -> list[str]:
    return list(_items(page, viewport).evaluate_all("items => items.map(item => item.dataset.case)"))


def _open_cases(board: Board) -> list[dict[str, Any]]:
    """What the board lists by default: every case the token may see that is not closed."""
    return [v for v in board.get("/v1/cases") if v["status"] != "closed"]


def _overdue(view: dict[str, Any]) -> bool:
    now = datetime.now(UTC)
    return any(o["overdue"] or (o["due"] and datetime.fromisoformat(o["due"]["utc"]) < now)
               for o in view["obligations"])


def _summary(page: Any) -> dict[str, int]:
    return {name: int(page.inner_text(f"#summary [data-count='{name}'] .count"))
            for name in ("cases", "acknowledgement", "confirmation", "acceptance", "overdue")}


def _due_within_a_day(view: dict[str, Any]) -> bool:
    now = datetime.now(UTC)
    return any(o["due"] and now <= datetime.fromisoformat(o["due"]["utc"]) <= now + timedelta(days=1)
               for o in view["obligations"])


def _patrol_this_month(view: dict[str, Any], month: tuple[int, int]) -> bool:
    """The board's reader is on this machine's calendar: a window that touches this month counts."""
    if view["kind"] != "patrol" or not view.get("patrol"):
        return False
    first = datetime(month[0], month[1], 1).astimezone()
    following = datetime(month[0] + month[1] // 12, month[1] % 12 + 1, 1).astimezone()
    start = datetime.fromisoformat(view["patrol"]["starts_at"]["utc"])
    end = datetime.fromisoformat(view["patrol"]["ends_at"]["utc"])
    return start < following and end >= first


def _no_horizontal_scroll(page: Any, viewport: dict[str, int]) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= viewport["width"], f"the page scrolls sideways: {widths}"


def _no_serious_violations(page: Any, where: str) -> None:
    found = axe_violations(page)
    assert found == [], f"axe-core found serious or critical problems in {where}:\n" + "\n".join(found)


def _screenshot(page: Any, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / name))
    if SCREENSHOTS_TO_DOCS:
        page.screenshot(path=str(DOCS / name))


def _open_settings(page: Any, viewport: dict[str, int]) -> None:
    """On a phone the filters and the page size sit behind the Filters button."""
    if _phone(viewport) and page.get_attribute("#filters-toggle", "aria-expanded") != "true":
        page.click("#filters-toggle")
    expect(page.locator("#page-size")).to_be_visible()


def _fold(text: str) -> str:
    """Without diacritics, as a person types on a keyboard with no Vietnamese layout."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    return plain.replace("đ", "d")


@WIDTHS
def test_the_list_fits_the_screen_with_a_summary_that_counts_it_and_no_accessibility_problem(
    browser: Any, board: Board, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Cards on a phone, a table on a desk, never wider than the screen; the summary counts the cases listed
    (awaiting acknowledgement, confirmation, acceptance, overdue); axe-core finds nothing serious or critical in
    the list, nor in a followed case (an overdue incident, full screen on the phone, beside the list on the desk)."""
    listed = _open_cases(board)
    with open_page(browser, viewport) as page:
        open_live(page, board)
        items = _items(page, viewport)
        expect(items).to_have_count(min(25, len(listed)))
        _no_horizontal_scroll(page, viewport)
        if _phone(viewport):
            expect(page.locator("#table-wrap")).to_be_hidden()
            boxes = items.evaluate_all("items => items.map(i => i.getBoundingClientRect().right)")
            assert max(boxes) <= viewport["width"]
            assert items.first.bounding_box()["height"] < 260, "a card is compact"
        else:
            expect(page.locator("#case-cards")).to_be_hidden()
            heights = items.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
            assert sorted(heights)[len(heights) // 2] < 110, f"rows are dense: {heights}"
        statuses = Counter(v["status"] for v in listed)
        assert _summary(page) == {
            "cases": len(listed),
            "acknowledgement": statuses["awaiting_acknowledgement"],
            "confirmation": statuses["awaiting_confirmation"],
            "acceptance": statuses["awaiting_acceptance"],
            "overdue": sum(map(_overdue, listed)),
        }
        today = datetime.now().astimezone()
        day = int(page.inner_text("#summary [data-count='due24h'] .count"))
        assert abs(day - sum(map(_due_within_a_day, listed))) <= 1  # a deadline may cross the edge between reads
        patrols = sum(_patrol_this_month(v, (today.year, today.month)) for v in listed)
        assert int(page.inner_text("#summary [data-count='patrolsMonth'] .count")) == patrols
        assert page.inner_text("#shown").startswith(f"{len(listed)} of ")
        _no_serious_violations(page, "the list")
        if _phone(viewport):  # soonest deadline first: the overdue incidents, then what falls due next
            page.select_option("#sort", "deadline-asc")
            expect(items.first).to_have_class(re.compile(r"\bhas-overdue\b"))
            _screenshot(page, "board-390.png", tmp_path)
        else:  # every status, least urgent first: patrols and meetings, then handovers, incidents, calls
            page.select_option("#filter-status", "any")
            page.select_option("#sort", "status-desc")
            expect(items.first).to_have_attribute("data-status", re.compile("closed|open"))
            _screenshot(page, "board-1400-list.png", tmp_path)
            page.select_option("#filter-status", "open")

        # Follow the overdue incident that is latest due (sorting by deadline, latest first, lists it first).
        page.select_option("#sort", "deadline-desc")
        _open_settings(page, viewport)
        page.check("#filter-overdue")
        page.select_option("#filter-kind", "incident")
        first = items.first
        expect(first).to_have_class(re.compile(r"\bhas-overdue\b"))
        case_id = first.get_attribute("data-case")
        first.locator(".case-link").click()
        expect(page.locator("#events li.event").first).to_be_visible()
        expect(page.locator("#case-detail .obligation.overdue")).not_to_have_count(0)
        _no_horizontal_scroll(page, viewport)
        if _phone(viewport):
            expect(page.locator("#cases")).to_be_hidden()
            expect(page.locator("#close-timeline")).to_be_visible()
        else:
            expect(page.locator(f"#case-rows tr.case.selected[data-case='{case_id}']")).to_be_visible()
        _no_serious_violations(page, f"the followed case {case_id}")
        if _phone(viewport):
            _screenshot(page, "board-390-case.png", tmp_path)
        else:
            # The desk's screenshot: every open case, soonest deadline first, the incident followed beside it.
            page.uncheck("#filter-overdue")
            page.select_option("#filter-kind", "")
            page.select_option("#sort", "deadline-asc")
            expect(items).to_have_count(25)
            _screenshot(page, "board-1400.png", tmp_path)


@WIDTHS
def test_search_sorting_and_pages_narrow_and_order_the_list_and_a_reload_keeps_them(
    browser: Any, board: Board, viewport: dict[str, int]
) -> None:
    """Ten a page, the next page shows the next ten; sorting by case id, by deadline and by last update orders
    the list; a search by a unit's name (Chinese, or Vietnamese typed without its marks) or by a case id narrows it;
    the summary counts what the search left; all of it is in the address, so a reload keeps it."""
    listed = _open_cases(board)
    ids = sorted(v["case_id"] for v in listed)
    with open_page(browser, viewport) as page:
        open_live(page, board)
        items = _items(page, viewport)
        _open_settings(page, viewport)
        page.select_option("#page-size", "10")
        page.select_option("#sort", "case-asc")
        expect(items).to_have_count(10)
        assert _shown(page, viewport) == ids[:10]
        page.click("#page-next")
        expect(page.locator("#page-status")).to_contain_text("Page 2 of ")
        assert _shown(page, viewport) == ids[10:20]
        assert "page=2" in page.evaluate("location.hash")
        page.reload()
        page.wait_for_selector("body[data-loaded='true']")
        expect(items).to_have_count(10)
        assert _shown(page, viewport) == ids[10:20], "the page is kept across a reload"
        page.click("#page-prev")
        expect(page.locator("#page-status")).to_contain_text("Page 1 of ")

        page.select_option("#sort", "case-desc")
        expect(items.first).to_have_attribute("data-case", ids[-1])
        page.select_option("#sort", "deadline-asc")
        soonest = min(datetime.fromisoformat(o["due"]["utc"]) for v in listed for o in v["obligations"] if o["due"])
        expect(items.first).to_have_attribute("data-deadline", str(round(soonest.timestamp() * 1000)))
        deadlines = [int(d) if d else None for d in items.evaluate_all("i => i.map(x => x.dataset.deadline)")]
        due = [d for d in deadlines if d is not None]
        assert due == sorted(due), f"soonest deadline first: {deadlines}"
        assert deadlines[: len(due)] == due, f"cases with no deadline last: {deadlines}"
        page.select_option("#sort", "last-desc")
        latest = min(listed, key=lambda v: (-datetime.fromisoformat(v["last_update"]["utc"]).timestamp(), v["case_id"]))
        expect(items.first).to_have_attribute("data-case", latest["case_id"])
        updated = items.evaluate_all("i => i.map(x => x.dataset.updated)")
        assert [datetime.fromisoformat(u) for u in updated] == sorted(
            (datetime.fromisoformat(u) for u in updated), reverse=True)
        if not _phone(viewport):  # the table's headers sort too, and say how
            page.click("th[data-sort='case'] button")
            expect(page.locator("th[data-sort='case']")).to_have_attribute("aria-sort", "ascending")
            expect(items.first).to_have_attribute("data-case", ids[0])
            page.click("th[data-sort='case'] button")
            expect(page.locator("th[data-sort='case']")).to_have_attribute("aria-sort", "descending")
            expect(items.first).to_have_attribute("data-case", ids[-1])

        # A search by a Hekou-side unit's Chinese name, then by a Lao Cai-side unit's Vietnamese name typed plainly.
        parties = Counter(unit for v in listed for unit in v["parties"])
        for country, language in (("CN", "zh"), ("VN", "vi")):
            names = {code: _fold(getattr(unit.names, language)) for code, unit in registry().items()}
            unit = next(u for u, n in parties.most_common() if u.startswith(country) and 2 <= n <= 10
                        and not any(names[u] in name for other, name in names.items() if other != u))
            query = names[unit]
            page.fill("#search", f'"{query}"')  # in quotes: the name's words together
            expect(items).to_have_count(parties[unit])
            units = "i => i.map(x => [...x.querySelectorAll('.unit')].map(u => u.textContent))"
            for chips in items.evaluate_all(units):
                assert unit in chips
            with_unit = [v for v in listed if unit in v["parties"]]
            statuses = Counter(v["status"] for v in with_unit)
            shown_statuses = Counter(items.evaluate_all("i => i.map(x => x.dataset.status)"))
            assert shown_statuses == statuses
            assert _summary(page) == {
                "cases": len(with_unit), "acknowledgement": statuses["awaiting_acknowledgement"],
                "confirmation": statuses["awaiting_confirmation"], "acceptance": statuses["awaiting_acceptance"],
                "overdue": items.locator(".obligation.overdue").evaluate_all(
                    "o => new Set(o.map(x => x.closest('[data-case]').dataset.case)).size"),
            }
        # A case id no other view names: an incident raised by an urgent call names the call's case (linked
        # cases), and the search rightly finds both there.
        alone = next(i for i in ids if sum(i.lower() in json.dumps(v, ensure_ascii=False).lower() for v in listed) == 1)
        page.fill("#search", alone.lower())
        expect(items).to_have_count(1)
        expect(items.first).to_have_attribute("data-case", alone)
        page.reload()
        page.wait_for_selector("body[data-loaded='true']")
        expect(page.locator("#search")).to_have_value(alone.lower())
        expect(items).to_have_count(1)
        _open_settings(page, viewport)
        page.click("#clear-filters")
        expect(items).to_have_count(10)
        expect(page.locator("#search")).to_have_value("")


@WIDTHS
def test_a_followed_case_shows_its_timeline_live_and_the_list_stays_live(
    browser: Any, board: Board, viewport: dict[str, int]
) -> None:
    """A case followed (a tap on its card on the phone, the keyboard on the desk) opens its timeline, full screen
    with a back control on the phone and beside the list on the desk; the other side's acknowledgement then shows
    on it at once, marked new, and in the list; back (the control, Escape or the browser's) returns to the list."""
    call = example("LogCall")
    outcome = board.post(call)
    case_id, call_id = outcome["case_id"], outcome["events"][0]["event_id"]
    wait_until(lambda: any(v["case_id"] == case_id for v in board.get("/v1/cases")), 10, "the call's case")
    with open_page(browser, viewport) as page:
        open_live(page, board, f"#q={case_id}")  # the call's case, and the incident the urgent call raised
        item = _item(page, viewport, case_id)
        expect(item).to_have_count(1)
        acknowledgement = item.locator(".obligation[data-kind='acknowledgement']")
        expect(acknowledgement).to_have_count(1)
        if _phone(viewport):
            item.click(position={"x": 200, "y": 110})  # anywhere on the card
        else:
            page.focus(f".case-link[data-case='{case_id}']")
            page.keyboard.press("Enter")
        expect(page.locator("#events li.event")).to_have_count(1)
        expect(page.locator("#timeline-heading")).to_be_focused()
        assert f"case={case_id}" in page.evaluate("location.hash")
        if _phone(viewport):
            expect(page.locator("#cases")).to_be_hidden()
        else:
            expect(page.locator("#cases")).to_be_visible()

        board.post(example("AcknowledgeMessage") | {"case_id": case_id, "message_id": call_id})
        expect(page.locator("#events li.event")).to_have_count(2, timeout=15_000)
        expect(page.locator("#events li.event").last).to_have_class(re.compile(r"\bnew\b"))
        expect(page.locator("#events li.event").last).to_have_attribute("data-type", "MessageAcknowledged")
        expect(page.locator("#case-detail .obligation[data-kind='acknowledgement']")).to_have_count(0)
        expect(page.locator("#timeline-news")).to_contain_text(case_id)
        _no_serious_violations(page, "a followed case after a live update")

        if _phone(viewport):
            page.click("#close-timeline")
        else:
            expect(acknowledgement).to_have_count(0)  # the list beside it is live too
            page.keyboard.press("Escape")
        expect(page.locator("#timeline")).to_be_hidden()
        expect(item).to_be_visible()
        expect(acknowledgement).to_have_count(0)
        expect(page.locator(f".case-link[data-case='{case_id}']")).to_be_focused()
        assert "case=" not in page.evaluate("location.hash")
        if _phone(viewport):  # the phone's own back button closes a followed case too
            page.locator(f".case-link[data-case='{case_id}']").click()
            expect(page.locator("#timeline")).to_be_visible()
            page.go_back()
            expect(page.locator("#timeline")).to_be_hidden()
            expect(item).to_be_visible()

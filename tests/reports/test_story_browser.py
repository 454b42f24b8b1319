"""The December story in a real headless Chromium (Debian's, through Playwright's
``executable_path``): it loads from its file with no request leaving it, hostile posts stay text
and open no dialog, scrolling reaches December with every month shown on the way, reduced
motion shows everything at once, the page works without its script, charts carry alt text, and
the keyboard reaches the month index. Screenshots are kept in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from campaign.content.schedule import Schedule
from campaign.queue.engine import Database
from campaign.reports.story import write_story
from tests.browser import Page, artifact_folder
from tests.reports.story_data import HOSTILE, NOW, SCRIPT, store_year

SHOWN = "el => el.classList.contains('seen') && getComputedStyle(el).opacity === '1'"


@pytest.fixture(scope="module")
def story_page(tmp_path_factory: pytest.TempPathFactory, schedule: Schedule) -> Path:
    """The French story of the small 2021 (story_data), written once for the module."""
    folder = tmp_path_factory.mktemp("story")
    url = f"sqlite:///{folder / 'campaign.db'}"
    db = Database(url)
    db.upgrade()
    db.close()
    store_year(url, schedule)
    out = folder / "story.html"
    write_story(url, out, year=2021, language="fr", schedule=schedule, now=NOW)
    return out


def _chapters(page: Any) -> list[str]:
    return list(page.locator(".chapter").evaluate_all("els => els.map(e => e.id)"))


def test_the_page_loads_offline_in_its_language(story_page: Path,
                                                open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page  # the fixture fails on any request outside the file
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title() == "#EndChildLabour2021\u00a0: l’année 2021"
    assert _chapters(page) == [f"month-{m:02d}" for m in range(1, 13)] + ["closing"]
    # headings in order: one h1, no level skipped on the way down
    levels = page.locator("h1, h2, h3, h4").evaluate_all(
        "els => els.map(e => Number(e.tagName[1]))")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))


def test_hostile_posts_show_as_text(story_page: Path,
                                    open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    texts = page.locator("blockquote.post p").all_inner_texts()
    assert HOSTILE in texts and SCRIPT in texts
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script").count() == 1
    assert f"Acme {HOSTILE}" in page.locator("#month-03").inner_text()
    # the fixture also checks that no dialog opened and no console error was logged


def test_scrolling_reaches_december_showing_every_month(
        story_page: Path, open_page: Callable[[Path], Page],
        request: pytest.FixtureRequest) -> None:
    page = open_page(story_page).page
    html = page.locator("html")
    assert html.get_attribute("data-motion") == "full"
    assert "reveal" in (html.get_attribute("class") or "")
    december = page.locator("#month-12")
    assert december.evaluate("el => el.classList.contains('seen')") is False
    for chapter in _chapters(page):
        # as a reader's wheel would, at once (the page scrolls smoothly only for its own links)
        section = page.locator(f"#{chapter}")
        section.evaluate("el => el.scrollIntoView({behavior: 'instant', block: 'start'})")
        page.wait_for_function("el => el.classList.contains('seen')",
                               arg=section.element_handle())
    assert page.locator(".chapter:not(.seen)").count() == 0
    page.wait_for_function(SHOWN, arg=december.element_handle())
    # the month index marks the month being read
    section = page.locator("#month-12")
    section.evaluate("el => el.scrollIntoView({behavior: 'instant', block: 'start'})")
    page.wait_for_function("() => document.querySelector('nav.months a[href=\"#month-12\"]')"
                           ".getAttribute('aria-current') === 'step'")
    assert page.locator("nav.months a[aria-current]").count() == 1
    # the whole December section, without the sticky month index drawn over it
    december.screenshot(path=str(artifact_folder(request) / "december.png"),
                        style="nav.months { position: static; }")


def test_a_month_taller_than_many_screens_is_shown(story_page: Path,
                                                  open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    tall = page.locator("#month-11")
    tall.evaluate("el => { el.style.minHeight = '4000vh'; }")  # a calendar full of actions
    tall.evaluate("el => el.scrollIntoView({behavior: 'instant', block: 'start'})")
    page.mouse.wheel(0, 2 * page.viewport_size["height"])  # now well inside it
    page.wait_for_function("el => el.classList.contains('seen')", arg=tall.element_handle(),
                           timeout=5000)


def test_printed_every_month_is_there(story_page: Path,
                                     open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    assert page.locator("#month-12").evaluate("el => el.classList.contains('seen')") is False
    page.emulate_media(media="print")  # the script ran: months not scrolled to are not 'seen'
    opacities = page.locator(".chapter").evaluate_all(
        "els => els.map(e => getComputedStyle(e).opacity)")
    assert len(opacities) == 13 and set(opacities) == {"1"}
    assert page.locator("nav.months").evaluate("el => getComputedStyle(el).display") == "none"
    # a post's own footer is not laid out as the page's
    assert page.locator("blockquote.post footer").first.evaluate(
        "el => getComputedStyle(el).paddingBottom") == "0px"
    page.emulate_media(media="screen")


def test_reduced_motion_shows_everything_at_once(story_page: Path,
                                                 open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    page.emulate_media(reduced_motion="reduce")
    page.reload()
    html = page.locator("html")
    assert html.get_attribute("data-motion") == "reduce"
    assert "reveal" not in (html.get_attribute("class") or "")
    opacities = page.locator(".chapter").evaluate_all(
        "els => els.map(e => [e.classList.contains('seen'), getComputedStyle(e).opacity, "
        "getComputedStyle(e).transitionDuration])")
    assert opacities and all(o == [True, "1", "0s"] for o in opacities)


def test_without_its_script_every_month_is_shown(story_page: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    outside: list[str] = []
    folder = story_page.parent.resolve().as_uri()

    def route(route: Any) -> None:
        if route.request.url.startswith(folder + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.goto(story_page.resolve().as_uri())
        opacities = page.locator(".chapter").evaluate_all(
            "els => els.map(e => getComputedStyle(e).opacity)")
        assert len(opacities) == 13 and set(opacities) == {"1"}
    finally:
        context.close()
    assert not outside


def test_every_chart_has_alt_text(story_page: Path, open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    charts = page.locator("figure.chart svg")
    assert charts.count() == 12
    described = charts.evaluate_all(
        "els => els.map(e => [e.getAttribute('role'), e.getAttribute('aria-label'), "
        "e.querySelector('title').textContent])")
    for role, label, title in described:
        assert role == "img" and label and label == title
    assert "Publications par jour" in described[5][1]
    assert page.locator("img:not([alt])").count() == 0


def test_the_keyboard_reaches_the_month_index(story_page: Path,
                                              open_page: Callable[[Path], Page]) -> None:
    page = open_page(story_page).page
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, "
                            "document.activeElement.getAttribute('href')]")
    assert focused == ["skip", "#story"]
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('nav.months') !== null")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus can be seen
    for _ in range(11):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#month-12"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'month-12'")
    page.wait_for_function(SHOWN, arg=page.locator("#month-12").element_handle())

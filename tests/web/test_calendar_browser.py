"""The calendar in a real Chromium, on SQLite and PostgreSQL: June 2021 with its observance day,
posts and today marked, moved through by keyboard, and the week view. No console error, no
request off 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.queue.queuecal_seed import Seeded
from tests.web.conftest import screenshot

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@both
def test_the_month_by_keyboard_then_its_week(web_page: Callable[..., Any], seeded: Seeded,
                                             request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("vic")
    tab.go("/calendar?month=2021-06")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar: June 2021")
    grid = page.get_by_role("table", name="June 2021: observance days, the schedule’s entries "
                                          "and the queue’s posts, day by day")
    expect(grid).to_be_visible()
    world_day = page.locator("td.day", has=page.get_by_role("heading", name="Saturday, June 12, 2021"))
    expect(world_day.locator(".observance")).to_contain_text("World Day Against Child Labour")
    expect(world_day.locator(".posts li")).to_have_count(3)
    expect(world_day.locator("a.more")).to_contain_text("87 more posts")
    expect(page.locator("td.day[aria-current=date]")).to_contain_text("Today")
    first = page.locator("td.day", has=page.get_by_role("heading", name="Saturday, June 5, 2021"))
    expect(first.locator(".status-failed").first).to_be_visible()
    screenshot(tab, request, "calendar-month")
    # by keyboard: the 1st, then right, down a week, and Enter opens that week
    page.get_by_role("link", name="Tuesday, June 1, 2021").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("link", name="Wednesday, June 2, 2021")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    expect(page.get_by_role("link", name="Sunday, June 20, 2021")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("link", name="Monday, June 7, 2021")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar: Week of June 7, 2021")
    expect(page.locator("li.day.observance-day .observance")).to_contain_text(
        "World Day Against Child Labour")
    expect(page.locator("li.day.observance-day .posts li")).to_have_count(12)
    screenshot(tab, request, "calendar-week")
    page.keyboard.press("PageDown")  # the week list has no grid: nothing moves
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar: Week of June 7, 2021")


@both
def test_filters_and_the_month_in_french(web_page: Callable[..., Any], seeded: Seeded) -> None:
    from playwright.sync_api import expect

    tab = web_page(locale="fr-FR")
    tab.sign_in("vic")
    tab.go("/calendar?month=2021-06")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier : juin 2021")
    page.get_by_label("Réseau", exact=True).select_option("x")
    page.get_by_label("État", exact=True).select_option("failed")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"network=x.*status=failed"))
    expect(page.locator(".posts .status-failed")).not_to_have_count(0)
    expect(page.locator(".posts .status-published")).to_have_count(0)
    expect(page.locator(".observance")).to_contain_text("Journée mondiale contre le travail des enfants")
    # the next month keeps the filters
    page.get_by_role("link", name="Mois suivant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier : juillet 2021")
    expect(page.get_by_label("Réseau", exact=True)).to_have_value("x")

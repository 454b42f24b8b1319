"""The tracking, users and audit pages in a real Chromium, on SQLite and PostgreSQL: the
report's charts load as images and its tables show hostile collected text as text; the filters
work by keyboard; the served report and story open under their own policy with no console
error; an admin adds a user and reads the log. No request leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from campaign.content.schedule import Schedule
from tests.conftest import BACKENDS
from tests.reports.sample import HOSTILE, SCRIPT
from tests.web.conftest import screenshot
from tests.web.tracking_data import store_tracked

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def tracked(web_db: str, schedule: Schedule) -> str:
    """The dashboard's database with the sample year of tracked posts and the hostile ones."""
    store_tracked(web_db, schedule)
    return web_db


@both
def test_the_tracking_page_shows_charts_and_tables(tracked: str, web_page: Callable[..., Any],
                                                   request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("vic")
    tab.go("/tracking")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Tracking")
    charts = page.locator("img.chart")
    expect(charts).to_have_count(6)
    for index in range(6):
        chart = charts.nth(index)
        assert (chart.get_attribute("alt") or "").strip()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=chart.element_handle(), timeout=15_000)
    # the collected posts' hostile texts are text in the top posts, never markup
    top = page.locator("table.top-posts")
    expect(top.locator("td.text", has_text=HOSTILE)).to_have_count(1)
    expect(top.locator("td.text", has_text=SCRIPT)).to_have_count(1)
    assert page.locator("main img[src='x']").count() == 0
    expect(top.locator("a[href^='javascript:']")).to_have_count(0)
    expect(top.locator("a[href='https://example.org/x/hostile-0']")).to_have_attribute(
        "rel", "noopener noreferrer")
    expect(page.locator("table.contributors .star").first).to_be_visible()
    screenshot(tab, request, "tracking")
    # the filters by keyboard: June, by day, X only
    page.get_by_label("Period", exact=True).focus()
    page.keyboard.press("End")  # December
    page.get_by_label("Period", exact=True).select_option("2021-06")
    page.get_by_label("Count per", exact=True).select_option("day")
    page.get_by_label("Network", exact=True).select_option("x")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/tracking?period=2021-06&by=day&network=x**")
    expect(page.locator("main p.hint").first).to_contain_text("Jun 1, 2021 to Jun 30, 2021")
    expect(page.locator("img.chart")).to_have_count(6)


@both
def test_the_report_and_the_story_open_under_their_own_policy(
        tracked: str, web_page: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("vic")
    tab.go("/tracking?period=2021-06")
    page = tab.page
    with page.expect_navigation():
        page.get_by_role("link", name="Open the HTML report").click()
    expect(page.locator("h1")).to_contain_text("Hashtag report")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("td.text", has_text=HOSTILE)).to_have_count(1)
    assert page.locator("img[src='x']").count() == 0
    tab.go("/tracking")
    with page.expect_navigation():
        page.get_by_role("link", name="Español").last.click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_be_visible()


@both
def test_an_admin_adds_a_user_and_reads_the_log(web_db: str, web_page: Callable[..., Any],
                                                request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    tab = web_page()
    tab.sign_in("ada")
    tab.go("/users")
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("Name", exact=True).fill(HOSTILE)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_label("Password (at least 10 characters)").fill("a long enough password")
    page.get_by_label("The password again").fill("a long enough password")
    page.get_by_role("button", name="Add the user").press("Enter")
    expect(page.locator("p.done")).to_have_text(f"{HOSTILE} was added as viewer.")
    expect(page.locator("table.users th[scope=row]", has_text=HOSTILE)).to_have_count(1)
    assert page.locator("main img[src='x']").count() == 0
    # by keyboard: the new user's role, changed with its own labelled form
    page.get_by_label(f"New role of {HOSTILE}").select_option("editor")
    page.get_by_role("button", name="Change the role").nth(0).focus()
    page.locator("table.users tr", has_text=HOSTILE).get_by_role(
        "button", name="Change the role").press("Enter")
    expect(page.locator("p.done")).to_have_text(f"{HOSTILE} is now editor.")
    screenshot(tab, request, "users")
    page.get_by_role("link", name="The audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The audit log")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("user.role")
    expect(page.locator("table.audit tbody tr").nth(1)).to_contain_text("user.add")
    expect(page.locator("table.audit pre", has_text=f"name: {HOSTILE}")).to_have_count(1)
    page.get_by_label("Kind").select_option("session")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/audit?user=&kind=session")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("session.login")
    screenshot(tab, request, "audit")

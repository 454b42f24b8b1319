"""The HTML report in a real headless Chromium: nothing leaves the file, hostile texts from
posts, authors and hashtags show as text with no dialog, every chart carries its alt text, and a
screenshot of each page is kept (tests/browser.py's fixtures check the requests and dialogs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from campaign.reports.html import write_html
from tests.browser import Page
from tests.conftest import SQLITE_ONLY
from tests.reports.sample import HOSTILE, HOSTILE_TAG, SCRIPT, sample_report


def test_the_report_page_shows_hostile_text_as_text_offline(
        tmp_path: Path, open_page: Callable[[Path], Page]) -> None:
    path = write_html(sample_report("fr"), tmp_path / "report.html")
    page = open_page(path).page
    assert page.locator("html").get_attribute("lang") == "fr"
    # no element was made from a post's, an author's or a pledge's text
    assert page.locator("main img").count() == 0
    assert page.locator("script").count() == 0
    posts = page.locator("#top-posts").inner_text()
    assert HOSTILE in posts and SCRIPT in posts
    assert SCRIPT in page.locator("#contributors").inner_text()
    assert f"#{HOSTILE_TAG}" in page.locator("#tags table").inner_text()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 6
    for index in range(charts.count()):
        chart = charts.nth(index)
        alt = chart.get_attribute("aria-label") or ""
        assert len(alt) > 20 and any(c.isdigit() for c in alt)
        assert chart.locator("title").count() == 1
        assert chart.bounding_box()["width"] > 200
    time_alt = charts.first.get_attribute("aria-label") or ""
    assert "1\u202f050 publications" in time_alt
    assert page.locator("caption").count() >= 8
    assert page.locator("th[scope=col]").count() > 10


@SQLITE_ONLY
def test_the_report_of_a_stored_year_in_the_browser(
        run: Callable[..., Result], report_db: str, tmp_path: Path,
        open_page: Callable[[Path], Page]) -> None:
    out = tmp_path / "report.html"
    result = run("report", "--db", report_db, "--html", out, "--today", "2021-12-15")
    assert result.exit_code == 0, result.output
    page = open_page(out).page
    assert page.locator("h1").inner_text().startswith("Hashtag report")
    assert page.locator("main img").count() == 0 and page.locator("script").count() == 0
    assert HOSTILE in page.locator("#contributors").inner_text()
    assert "World Day Against Child Labour" in page.locator("#observances").inner_text()
    assert page.locator("svg[role=img]").count() == 6
    page.locator("#pledgers").scroll_into_view_if_needed()
    assert page.locator("#pledgers").is_visible()

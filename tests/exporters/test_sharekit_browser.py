"""The share kit in a real headless Chromium: it works offline, in the reader's language, every
copy button and share link does what it says, and hostile text from a schedule stays text.

Chromium is Debian's package, driven by Playwright for Python through ``executable_path`` (no
browser download); ``make test`` installs it where it runs as root. Without it these tests skip,
saying why, except on CI, where they fail: a browser test must never vanish unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result

from tests.browser import Page
from tests.conftest import MINIMAL


@pytest.fixture(scope="module")
def june_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The June kit of the built-in campaign, every language, written by the CLI."""
    from click.testing import CliRunner

    from campaign.cli import cli

    out = tmp_path_factory.mktemp("kit")
    result = CliRunner().invoke(cli, ["kit", "--month", "6", "--month", "12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _shared_text(href: str) -> str:
    return parse_qs(urlsplit(href).query)["text"][0]


def test_the_spanish_page_is_spanish_and_links_the_others_by_name(
        june_kit: Path, open_page: Callable[[Path], Page]) -> None:
    kit = open_page(june_kit / "share-kit-es.html")
    page = kit.page
    assert page.locator("html").get_attribute("lang") == "es"
    langs = page.locator("article.card").evaluate_all("cards => cards.map(c => c.lang)")
    assert langs and set(langs) == {"es"}
    assert page.locator("button.copy").first.inner_text() == "Copiar"
    assert "junio de 2021" in page.locator("main").inner_text()
    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/share-kit.html")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("button.copy").first.inner_text() == "Copier"


def test_copy_puts_the_post_on_the_clipboard(june_kit: Path,
                                             open_page: Callable[[Path], Page]) -> None:
    page = open_page(june_kit / "share-kit-en.html").page
    button = page.locator(".part button.copy").first
    expected = button.get_attribute("data-text")
    button.click()
    page.wait_for_function("b => b.textContent === 'Copied'", arg=button.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == expected


def test_every_part_of_a_thread_has_its_own_share_links(
        june_kit: Path, open_page: Callable[[Path], Page]) -> None:
    page = open_page(june_kit / "share-kit-en.html").page
    thread = page.locator(".version", has_text="Part 2 of 2").first
    parts = thread.locator(".part")
    assert parts.count() == 2
    for index in range(parts.count()):
        part = parts.nth(index)
        text = part.locator(".text").inner_text()
        links = part.locator("a.share")
        assert links.count() >= 1
        for n in range(links.count()):
            assert _shared_text(links.nth(n).get_attribute("href") or "") == text
    # the reader's own Mastodon server rewrites every Mastodon link
    page.fill("#instance", "https://social.example.org/")
    page.dispatch_event("#instance", "change")
    mastodon = page.locator('a.share[data-network="mastodon"]').first
    assert (mastodon.get_attribute("href") or "").startswith("https://social.example.org/share?")


def test_the_image_shows_with_its_alt_text_and_the_audience_filter_hides_cards(
        june_kit: Path, open_page: Callable[[Path], Page]) -> None:
    page = open_page(june_kit / "share-kit-en.html").page
    image = page.locator("figure.image img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    alt = image.get_attribute("alt") or ""
    assert alt and page.locator("figure.image .alt").first.inner_text() == alt
    shown = page.locator("article.card:visible").count()
    page.select_option("#audience", "individual")
    visible = page.locator("article.card:visible")
    assert 0 < visible.count() < shown
    assert set(visible.evaluate_all("cards => cards.map(c => c.dataset.audience)")) == \
        {"individual"}


def test_hostile_text_from_a_schedule_stays_text(tiny: Callable[..., Path], tmp_path: Path,
                                                 run: Callable[..., Result],
                                                 open_page: Callable[[Path], Page]) -> None:
    attack = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
    schedule = tiny(MINIMAL.replace("title: {en: Hello, fr: Bonjour}",
                                    f'title: {{en: "{attack}", fr: Bonjour}}'),
                    templates={"en": "{{ title }} {{ campaign.hashtag }}",
                               "fr": "Bonjour {{ campaign.hashtag }}"})
    out = tmp_path / "kit"
    result = run("kit", "-s", schedule, "--lang", "en", "--out", out)
    assert result.exit_code == 0, result.output
    page = open_page(out / "share-kit.html").page
    assert attack in page.locator("article.card h3").first.inner_text()
    assert attack in page.locator(".part .text").first.inner_text()
    assert page.locator("main img").count() == 0  # no element was made from the text

"""A pledger's own share kit (``pledge posts --kit``) in a real headless Chromium: in the
pledge's language, offline, each copy button copying its post, and a hostile pledge's text shown
as text (the browser, the page and its fixtures are those of the share kit's own tests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from tests.browser import Page
from tests.pledges.conftest import PLEDGE

ATTACK = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def test_a_hostile_pledgers_kit_shows_its_text_and_copies_it(
        db_cli: Callable[..., Result], tmp_path: Path,
        open_page: Callable[[Path], Page]) -> None:
    assert db_cli("db", "upgrade").exit_code == 0
    pledge = tmp_path / "pledge.yaml"
    # a pledger with no registered account: its posts go to a page of its own
    pledge.write_text(yaml.safe_dump(PLEDGE | {"name": ATTACK[:60],
                                               "title": f"{ATTACK} Former 200 inspecteurs en 2021"},
                                     allow_unicode=True), encoding="utf-8")
    added = db_cli("pledge", "add", "--from", pledge, "--today", "2021-03-01", "--no-resolve")
    assert added.exit_code == 0, added.output
    kits = tmp_path / "kits"
    written = db_cli("pledge", "posts", "--kit", kits, "--json")
    assert written.exit_code == 0, written.output
    assert json.loads(written.output)  # the kit's pages and posts, for scripts
    page = open_page(kits / "pledge-1.html").page
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("main img").count() == 0  # no element was made from the pledge's text
    text = page.locator(".part .text").first.inner_text()
    assert ATTACK in text and "Former 200 inspecteurs en 2021" in text
    button = page.locator(".part button.copy").first
    assert button.inner_text() == "Copier"
    expected = button.get_attribute("data-text")
    assert expected is not None and ATTACK in expected
    button.click()
    page.wait_for_function("b => b.textContent !== 'Copier'", arg=button.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == expected

"""Debian's Chromium, headless, driven by Playwright for Python through ``executable_path`` (no
browser download): one browser for the whole session, shared by every page test through the
fixtures ``browser`` and ``open_page`` (tests/conftest.py makes them seen everywhere). Without
Chromium these tests skip, saying why, except on CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# as the machine's own page says: no sandbox as root, and nothing that calls home
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    why = None
    if not os.path.exists(CHROMIUM):
        why = "Debian's chromium is not installed (make test installs it when run as root)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = why or "playwright is not installed in this environment"
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"{why}: the browser tests must run on CI")
        pytest.skip(why)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A page of the kit opened from its file, recording what a reader would not see."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(locale="en-GB")
        self.context.grant_permissions(["clipboard-read", "clipboard-write"])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        folder = path.parent.resolve().as_uri()

        def route(route: Any) -> None:
            # the page works offline: only its own folder's files may load, nothing else at all
            url = route.request.url
            if url.startswith(folder + "/"):
                route.continue_()
            else:
                self.requests.append(url)
                route.abort()

        self.context.route("**/*", route)
        self.page.goto(path.resolve().as_uri())

    def close(self, screenshot: Path) -> None:
        """Keep a screenshot beside the kit (a test artifact), then close."""
        self.page.screenshot(path=str(screenshot), full_page=False)
        self.context.close()


# screenshots are kept as test artifacts (CI keeps the folder): one folder a test
ARTIFACTS = Path(os.environ.get("CAMPAIGN_ARTIFACTS")
                 or Path(__file__).resolve().parent.parent / "test-artifacts") / "screenshots"


def artifact_folder(request: pytest.FixtureRequest) -> Path:
    """Where a test keeps its screenshots: test-artifacts/screenshots/<module>/<test>/."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
    folder = ARTIFACTS / request.node.module.__name__.rsplit(".", 1)[-1] / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[Path], Page]]:
    """Open pages from their files; every one must end with no console error, dialog or
    outside request, and leaves a screenshot in test-artifacts/screenshots/."""
    opened: list[Page] = []

    def open_(path: Path) -> Page:
        opened.append(Page(browser, path))
        return opened[-1]

    yield open_
    folder = artifact_folder(request)
    for number, page in enumerate(opened):
        page.close(folder / f"screenshot-{number}.png")
        assert not page.errors, page.errors
        assert not page.dialogs, page.dialogs
        assert not page.requests, page.requests

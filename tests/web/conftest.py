"""The dashboard under test: a migrated database (SQLite or PostgreSQL, by the test's
``database_url`` parameter) with one user of each role, Starlette's TestClient for the routes,
and a real uvicorn server on 127.0.0.1 with Playwright pages for the browser tests.

Users (every password is ``PASSWORD``): ``ada`` admin, ``amina`` and ``bruno`` approvers,
``eli`` editor, ``vic`` viewer.
"""

from __future__ import annotations

import functools
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from campaign.queue.store import Store
from campaign.users import passwords
from campaign.users.store import UserStore
from campaign.web.app import create_app
from campaign.web.config import WebConfig
from tests.browser import FLAGS, artifact_folder  # noqa: F401

PASSWORD = "correct horse battery"
USERS = {"ada": "admin", "amina": "approver", "bruno": "approver", "eli": "editor",
         "vic": "viewer"}
TODAY = date(2021, 6, 1)
SECRET = "s" * 40
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@functools.cache
def _hash_once(password: str) -> str:
    return _real_hash(password)


_real_hash = passwords.hash_password


@pytest.fixture
def web_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database at the newest schema with the five users; its URL.

    The five share one real argon2id hash of ``PASSWORD``, made once a session (argon2 is slow
    on purpose); verifying at sign-in stays the real, full check."""
    Store(database_url).upgrade()
    users = UserStore(database_url)
    with monkeypatch.context() as patch:
        patch.setattr(passwords, "hash_password", _hash_once)
        for name, role in USERS.items():
            users.add(name, role, PASSWORD, actor="test")
    users.close()
    return database_url


def web_config(db_url: str, **changes: Any) -> WebConfig:
    """The dashboard's settings for a test: 1 June 2021, a fixed key, generous form limits."""
    values: dict[str, Any] = {"db_url": db_url, "secret": SECRET, "today": TODAY,
                              "pledge_rate": 1000, "login_rate": 5}
    return WebConfig(**(values | changes))


class Client:
    """Starlette's TestClient with the dashboard's habits: sign in, find the CSRF token, post."""

    def __init__(self, app: Any) -> None:
        from starlette.testclient import TestClient

        self.http = TestClient(app, base_url="http://127.0.0.1")
        self.app = app

    def get(self, path: str, **kw: Any) -> Any:
        """GET a page."""
        return self.http.get(path, **kw)

    def csrf(self, path: str = "/login") -> str:
        """This session's CSRF token, as a page shows it."""
        match = CSRF.search(self.http.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, *,
             csrf: bool = True, **kw: Any) -> Any:
        """POST a form, with this session's CSRF token unless ``csrf`` is False."""
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            items.append(("csrf", self.csrf()))
        kw.setdefault("follow_redirects", False)
        headers = {"content-type": "application/x-www-form-urlencoded"} | kw.pop("headers", {})
        return self.http.post(path, content=urlencode(items), headers=headers, **kw)

    def sign_in(self, name: str, password: str = PASSWORD) -> Client:
        """Sign in as ``name``; fails the test if refused."""
        response = self.post("/login", {"name": name, "password": password, "next": "/"})
        assert response.status_code == 303, response.text[:500]
        return self


@pytest.fixture
def web(web_db: str) -> Iterator[Callable[..., Client]]:
    """Make clients of one app over the test's database: ``web()`` a visitor, ``web("eli")``
    signed in as eli; settings may be changed (``web(pledge_rate=2)``)."""
    apps: list[Any] = []

    def make(name: str | None = None, **changes: Any) -> Client:
        app = create_app(web_config(web_db, **changes))
        apps.append(app)
        client = Client(app)
        return client.sign_in(name) if name else client

    yield make
    for app in apps:
        app.state.stores.close()


@pytest.fixture
def seeded(web_db: str, tmp_path: Path) -> Any:
    """June 2021 planned on outbox accounts and run, with failures, missed posts and hostile
    text (see tests/queue/queuecal_seed.py): the calendar's and the queue's pages."""
    from tests.queue.queuecal_seed import seed

    store = Store(web_db)
    try:
        return seed(store, tmp_path)
    finally:
        store.close()


# -- a real server and a real browser ------------------------------------------------------
def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A uvicorn server in a thread of the test process."""

    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.stores.close()


def start_server(db_url: str, **changes: Any) -> Server:
    """Serve the dashboard on a free port of 127.0.0.1 until ``stop``."""
    import uvicorn

    app = create_app(web_config(db_url, **changes))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return Server(url=f"http://127.0.0.1:{port}", app=app, server=server, thread=thread)


@pytest.fixture
def live_server(web_db: str) -> Iterator[Server]:
    """The dashboard served over the test's database."""
    server = start_server(web_db)
    yield server
    server.stop()


@dataclass
class WebPage:
    """A browser tab on the test server, recording what a user would not see: console errors,
    dialogs, and any request that leaves 127.0.0.1 (aborted)."""

    page: Any
    context: Any
    base: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect_status(self, status: int) -> None:
        """The test means to get a page answered ``status`` (a form sent back with its
        problems: 400; a failed sign-in: 401): Chromium logs that as a console error, which
        is then not one."""
        self.expected.append(f"status of {status}")

    def unexpected_errors(self) -> list[str]:
        """The console errors the test did not announce."""
        return [e for e in self.errors
                if not (e.startswith("Failed to load resource") and any(x in e for x in self.expected))]

    def go(self, path: str) -> Any:
        """Open a path of the dashboard; the response."""
        return self.page.goto(self.base + path)

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        """Sign in through the log-in form."""
        self.go("/login")
        self.page.fill("#name", name)
        self.page.fill("#password", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        """Sign out with the header's button."""
        self.page.click("header form[action='/logout'] button")
        self.page.wait_for_load_state()


@pytest.fixture
def web_page(browser: Any, live_server: Server, request: pytest.FixtureRequest
             ) -> Iterator[Callable[..., WebPage]]:
    """Open tabs on the test server (``web_page(locale="fr-FR")``); each must end with no
    console error, no dialog and no request off 127.0.0.1, and leaves a screenshot in
    test-artifacts/screenshots/<module>/<test>/."""
    opened: list[WebPage] = []

    def open_(locale: str = "en-GB") -> WebPage:
        context = browser.new_context(locale=locale)
        page = context.new_page()
        tab = WebPage(page=page, context=context, base=live_server.url)
        page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: tab.errors.append(str(exc)))

        def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def route(route: Any) -> None:
            if route.request.url.startswith(live_server.url + "/"):
                route.continue_()
            else:
                tab.outside.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        opened.append(tab)
        return tab

    yield open_
    folder = artifact_folder(request)
    for number, tab in enumerate(opened):
        tab.page.screenshot(path=str(folder / f"screenshot-{number}.png"), full_page=True)
        tab.context.close()
        assert not tab.unexpected_errors(), tab.errors
        assert not tab.dialogs, tab.dialogs
        assert not tab.outside, tab.outside


def screenshot(tab: WebPage, request: pytest.FixtureRequest, name: str) -> Path:
    """Keep a named screenshot of the tab now (the README shows some of them)."""
    path = artifact_folder(request) / f"{name}.png"
    tab.page.screenshot(path=str(path), full_page=True)
    return path

"""The dashboard's Starlette application: middleware, error pages and the page groups.

Each module of ``campaign.web.routes`` lists its routes in ``ROUTES``; this module only puts
them together. Library errors become a page that says what went wrong in one sentence (400 for
bad input, 409 for an operation that failed), never a traceback; any other exception is logged
and answered with a plain 500 page.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from campaign.errors import CampaignError
from campaign.web import i18n
from campaign.web.auth import SignInRequired, login_url
from campaign.web.config import WebConfig
from campaign.web.render import problem_status, render
from campaign.web.security import Guard
from campaign.web.stores import Stores

log = logging.getLogger("campaign.web")
# the page groups, in the order of the navigation
PAGES: Sequence[str] = ("home", "calendar", "review", "queue", "pledges", "tracking", "users")
SESSION_COOKIE = "campaign_session"
SESSION_AGE = 12 * 3600  # a working day; signing in again after it is cheap


class Language:
    """Answers each request in its language: ``?lang=`` (kept in the session), the session's,
    then the browser's ``Accept-Language``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the request's language around the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        session = scope.get("session", {})
        lang = i18n.choose(asked, session.get(i18n.COOKIE), request.headers.get("accept-language"))
        if asked in i18n.LANGUAGES:
            session[i18n.COOKIE] = asked
        token = i18n.use(lang)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset(token)


def _refusal(scope: Scope, status: int) -> ASGIApp:
    """The answer to a request the guard refused (no CSRF token, a body too large)."""
    messages = {403: i18n.gettext("This form has expired or did not come from this site: "
                                  "reload the page and try again."),
                413: i18n.gettext("What was sent is too large.")}
    return PlainTextResponse(messages.get(status, ""), status_code=status)


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(login_url(exc.path), status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {403: i18n.gettext("Not allowed"), 404: i18n.gettext("Page not found"),
              405: i18n.gettext("Not allowed"), 429: i18n.gettext("Too many attempts")}
    detail = exc.detail if exc.status_code in (403, 429) and isinstance(exc.detail, str) else ""
    if exc.status_code == 404:
        detail = i18n.gettext("There is no page at this address.")
    elif exc.status_code == 400:  # Starlette's own: a form or body it could not read
        titles[400] = i18n.gettext("That did not work")
        detail = i18n.gettext("What was sent could not be read: reload the page and try again.")
    elif exc.status_code == 405:
        detail = i18n.gettext("This address takes a form sent from its page: go back to the "
                              "page and use its button.")
    return render(request, "error.html", {"title": titles.get(exc.status_code,
                                                              i18n.gettext("Error")),
                                          "message": detail}, status=exc.status_code,
                  headers=exc.headers)


async def _campaign_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CampaignError)
    message = exc.message
    if "campaign.platforms.credentials" in sys.modules:  # a secret was read: never shown
        message = sys.modules["campaign.platforms.credentials"].redact(message)
    return render(request, "error.html", {"title": i18n.gettext("That did not work"),
                                          "message": message},
                  status=problem_status(exc))


# a private progress link's secret is never written to a log
_PRIVATE_PATH = re.compile(r"(/progress/)[^/?#]+")


class Failures:
    """Answers an unexpected exception with a plain 500 page and logs it, secrets masked.

    It sits inside the guard (so the answer has the security headers, the session and the
    language) and does not raise further: Starlette's outer error middleware would hand the
    exception to the server, which logs it with its message as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer and log what it raised."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            from campaign.platforms.credentials import redact

            text = f"{scope.get('method', '')} {scope.get('path', '')} failed: " + "".join(
                traceback.format_exception(exc))
            log.error("%s", _PRIVATE_PATH.sub(r"\1***", redact(text)).rstrip())
            if not started:  # else the client sees the answer cut short
                answer = PlainTextResponse(i18n.gettext(
                    "Something went wrong on the server; it was logged."), status_code=500)
                await answer(scope, receive, send)


def routes() -> list[BaseRoute]:
    """Every page group's routes and the static files."""
    found: list[BaseRoute] = []
    for name in PAGES:
        found.extend(importlib.import_module(f"campaign.web.routes.{name}").ROUTES)
    found.append(Mount("/static", StaticFiles(packages=[("campaign.web", "static")]),
                       name="static"))
    return found


def create_app(config: WebConfig, stores: Stores | None = None) -> Starlette:
    """The dashboard over ``config``'s database."""
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SessionMiddleware, secret_key=config.secret, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_AGE, same_site="lax", https_only=config.secure),
            Middleware(Language),
            Middleware(Guard, secure=config.secure, refuse=_refusal),
            Middleware(Failures),
        ],
        exception_handlers={SignInRequired: _sign_in_first, HTTPException: _http_error,
                            CampaignError: _campaign_error},
    )
    app.state.config = config
    app.state.stores = stores or Stores(config)
    return app


def factory() -> Any:
    """What each uvicorn worker calls: the dashboard over the environment's settings."""
    config = WebConfig.from_env()
    stores = Stores(config)
    stores.check()
    return create_app(config, stores)

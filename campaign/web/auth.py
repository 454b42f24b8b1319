"""Who is signed in, and what they may do.

The session is Starlette's signed cookie (itsdangerous, HttpOnly, SameSite=Lax, Secure behind
TLS). It holds the user's id and their ``session_epoch``: a password reset or a removal bumps
the epoch, so every session signed before it stops working at the next request. The user is
read from the database on each request, so a role changed or a user removed takes effect at
once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from campaign.users.roles import Action, may
from campaign.users.store import User
from campaign.web import i18n
from campaign.web.security import csrf_token
from campaign.web.words import role_name

USER_ID = "uid"
EPOCH = "epoch"


class SignInRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to the log-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def login_url(path: str) -> str:
    """The log-in page, coming back to ``path`` (a local path only: no open redirect)."""
    return "/login?next=" + quote(safe_next(path), safe="/")


def safe_next(path: str | None) -> str:
    """``path`` if it is a path of this site, else the home page."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


async def user_of(request: Request) -> User | None:
    """The signed-in user of ``request`` (read once per request), None for a visitor."""
    if "user" in request.scope.get("state", {}):
        return request.state.user  # type: ignore[no-any-return]
    user = None
    user_id = request.session.get(USER_ID)
    if isinstance(user_id, int):
        found = await run_in_threadpool(request.app.state.stores.users.get, user_id)
        if found is not None and found.session_epoch == request.session.get(EPOCH):
            user = found
        else:  # removed, or a password reset since: this session is over
            request.session.pop(USER_ID, None)
            request.session.pop(EPOCH, None)
    request.state.user = user
    return user


async def require(request: Request, action: Action = Action.READ) -> User:
    """The signed-in user, if they may do ``action``: SignInRequired for a visitor, 403 for a
    user whose role does not allow it."""
    user = await user_of(request)
    if user is None:
        raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if not may(user.role, action):
        raise HTTPException(403, i18n.gettext("Your role (%(role)s) does not allow this.",
                                              role=role_name(user.role)))
    return user


def sign_in(request: Request, user: User) -> None:
    """Start a session for ``user``: a new session (and CSRF token), the language kept."""
    lang = request.session.get(i18n.COOKIE)
    request.session.clear()
    if lang:
        request.session[i18n.COOKIE] = lang
    request.session[USER_ID] = user.id
    request.session[EPOCH] = user.session_epoch
    csrf_token(request.session)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End the session (the language kept)."""
    lang = request.session.get(i18n.COOKIE)
    request.session.clear()
    if lang:
        request.session[i18n.COOKIE] = lang
    request.state.user = None


def page_context(request: Request) -> dict[str, Any]:
    """What every page is given: the user, what they may do, the CSRF token, the language."""
    user = request.scope.get("state", {}).get("user")
    allowed = {a.value: bool(user and may(user.role, a)) for a in Action}
    return {"user": user, "can": allowed, "csrf": csrf_token(request.session),
            "lang": i18n.language(), "path": request.url.path,
            "query": request.url.query}

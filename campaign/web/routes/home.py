"""Home, log-in and log-out, and the health check."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from campaign.users.store import name_key
from campaign.web import i18n
from campaign.web.auth import safe_next, sign_in, sign_out, user_of
from campaign.web.forms import read_form
from campaign.web.render import render
from campaign.web.security import Throttle

LOGIN_WINDOW = 15 * 60.0


def _throttles(request: Request) -> tuple[Throttle, Throttle]:
    state = request.app.state
    if not hasattr(state, "login_throttles"):
        limit = state.config.login_rate
        # per name (someone guessing one user's password) and per address (one machine
        # guessing many names); an address gets more tries, since a team may share one
        state.login_throttles = (Throttle(limit, LOGIN_WINDOW), Throttle(limit * 4, LOGIN_WINDOW))
    return state.login_throttles  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    """The client's address (behind a proxy, uvicorn's --proxy-headers sets it from the
    proxy's X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


async def home(request: Request) -> Response:
    """The signed-in user's overview: what needs them now; a visitor gets the public links."""
    user = await user_of(request)
    if user is None:
        return render(request, "home.html", {"overview": None})
    from campaign.queue.overview import overview

    stores = request.app.state.stores
    data = await run_in_threadpool(overview, stores.queue)
    return render(request, "home.html", {"overview": data})


async def login_page(request: Request) -> Response:
    """The log-in form."""
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")),
                                          "error": "", "name": ""})


async def login(request: Request) -> Response:
    """Check a name and password; refuse for a while after too many failures."""
    fields = await read_form(request)
    # the password exactly as typed (spaces are part of it, as `users add` keeps them)
    name, password = fields.get("name")[:200], (fields.all("password") or [""])[0][:300]
    target = safe_next(fields.get("next"))
    by_name, by_address = _throttles(request)
    # the name as the store finds its user, so "Ａda" or " ADA" count as tries at "ada"
    keys = (name_key(name), client_address(request))
    if by_name.blocked(keys[0]) or by_address.blocked(keys[1]):
        wait = max(by_name.retry_after(keys[0]), by_address.retry_after(keys[1]))
        raise HTTPException(429, i18n.gettext(
            "Too many failed attempts: try again in %(minutes)s minutes.",
            minutes=max(1, round(wait / 60))), headers={"Retry-After": str(wait)})
    # counted before the (slow) check: attempts sent at once all see each other's
    by_name.hit(keys[0])
    by_address.hit(keys[1])
    stores = request.app.state.stores
    user = await run_in_threadpool(stores.users.authenticate, name, password)
    if user is None:
        return render(request, "login.html", {
            "next": target, "name": name,
            "error": i18n.gettext("That name and password do not match a user.")}, status=401)
    by_name.clear(keys[0])
    by_address.release(keys[1])  # a team behind one address signs in all day
    sign_in(request, user)
    await run_in_threadpool(stores.users.audit, actor=user.name, action="session.login",
                            object_kind="session", object_id=user.name,
                            detail=client_address(request))
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    """End the session, and every other session of the user: the session lives in a signed
    cookie, so a copy of it would otherwise keep working until it expires."""
    user = await user_of(request)
    sign_out(request)
    if user is not None:
        await run_in_threadpool(request.app.state.stores.users.end_sessions, user.name,
                                actor=user.name)
    return RedirectResponse("/", status_code=303)


async def health(request: Request) -> Response:
    """For a proxy's or a supervisor's check (and the benchmark's baseline): no database."""
    return PlainTextResponse("ok")


ROUTES = [
    Route("/", home, name="home"),
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/healthz", health, name="health"),
]

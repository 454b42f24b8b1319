"""The queue: every post's state (filtered, 50 a page), failed and missed posts with their
reasons, one post with its whole history, retry and cancel (one post or the ones selected), and
the accounts' health.

Each route reads the request, checks the role, calls one library function in a worker thread
(:mod:`campaign.queue.listing`, :mod:`campaign.queue.health`, :mod:`campaign.queue.editing`),
and renders a page or redirects (303) back with the result kept in the session for the next page.
"""

from __future__ import annotations

from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from campaign.queue import editing, health, listing
from campaign.queue.editing import Edited
from campaign.queue.engine import utcnow
from campaign.queue.filters import Asked
from campaign.users.roles import Action
from campaign.web.auth import require, safe_next
from campaign.web.forms import read_form
from campaign.web.i18n import gettext as _
from campaign.web.i18n import language, ngettext
from campaign.web.posts import call, take_flash
from campaign.web.posts import post_id as post_id_of
from campaign.web.render import render

FLASH = "queue_flash"
SHOWN_IDS = 10  # a result names this many posts it left alone, then counts the rest
_T = TypeVar("_T")


def _flash(request: Request, messages: list[str], kind: str) -> None:
    request.session[FLASH] = {"messages": [m[:500] for m in messages[:SHOWN_IDS + 2]],
                              "kind": kind}


def _ids(ids: tuple[int, ...]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS])
    return shown + (f" (+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")


def _said(result: Edited, done: str) -> tuple[list[str], str]:
    """What an edit did, in sentences of the page's language, and how it went."""
    words = []
    if done == "retry" and result.moved:
        words.append(ngettext("%(num)s post is back in the queue: the runner sends it at its "
                              "next pass.", "%(num)s posts are back in the queue: the runner "
                              "sends them at its next pass.", len(result.moved)))
    elif result.moved:
        words.append(ngettext("%(num)s post was cancelled.", "%(num)s posts were cancelled.",
                              len(result.moved)))
    if result.skipped:
        words.append(_("Left as they were (their state does not allow it): %(ids)s.",
                       ids=_ids(result.skipped)))
    if result.missing:
        words.append(_("No post has these ids: %(ids)s.", ids=_ids(result.missing)))
    if not result.requested:
        words.append(_("No post was selected: tick the posts to retry first."))
    return words, "done" if result.ok and result.requested else "notice"


def _back(path: str) -> str:
    """Where a bulk action returns to: a queue page, else the queue."""
    path = safe_next(path)
    return path if path == "/queue" or path.startswith("/queue?") else "/queue"


# -- pages -----------------------------------------------------------------------------------
async def queue_page(request: Request) -> Response:
    """Posts matching the filters, by due time, 50 a page (``?after=ID`` / ``?before=ID``)."""
    await require(request, Action.READ)
    query = request.query_params
    asked = Asked.from_query(query.multi_items())
    stores = request.app.state.stores
    page = await run_in_threadpool(listing.queue_page, stores.queue, stores.schedule, asked,
                                   after=query.get("after", "").strip(),
                                   before=query.get("before", "").strip(), language=language())
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(request, "queue.html", {"page": page, "kept": asked.query(), "here": here,
                                          "timezone": stores.schedule.campaign.timezone,
                                          "flash": take_flash(request, FLASH)})


async def post_page(request: Request) -> Response:
    """One post: its text, its state (and why it did not go out), its whole history."""
    await require(request, Action.READ)
    post_id = post_id_of(request)
    stores = request.app.state.stores
    view = await call(_post_view, stores, post_id, language())
    return render(request, "queue_post.html", {"view": view, "post": view.post,
                                               "flash": take_flash(request, FLASH)})


def _post_view(stores: Any, post_id: int, lang: str) -> listing.PostView:
    audit = stores.users.audit_entries(object_kind="post", object_id=post_id)
    return listing.post_view(stores.queue, stores.schedule, post_id, language=lang, audit=audit)


async def accounts_page(request: Request) -> Response:
    """Every account: stopped and why, sign-in, rate-limit pauses, held posts, last outcomes."""
    await require(request, Action.READ)
    stores = request.app.state.stores
    now = utcnow()
    found = await run_in_threadpool(health.health, stores.queue, now)
    return render(request, "queue_accounts.html", {
        "accounts": found, "stopped": health.stopped(found), "now": now,
        "timezone": stores.schedule.campaign.timezone})


# -- actions ---------------------------------------------------------------------------------
async def retry_one(request: Request) -> Response:
    """Queue a failed or missed post again."""
    user = await require(request, Action.EDIT)
    post_id = post_id_of(request)
    result = await call(editing.retry, request.app.state.stores.queue, [post_id], actor=user.name)
    _flash(request, *_said(result, "retry"))
    return RedirectResponse(f"/queue/{post_id}", status_code=303)


async def cancel_one(request: Request) -> Response:
    """Cancel a post not yet out."""
    user = await require(request, Action.EDIT)
    post_id = post_id_of(request)
    result = await call(editing.cancel, request.app.state.stores.queue, [post_id],
                         actor=user.name)
    _flash(request, *_said(result, "cancel"))
    return RedirectResponse(f"/queue/{post_id}", status_code=303)


async def retry_many(request: Request) -> Response:
    """Queue again the failed or missed posts ticked on a queue page; back to that page."""
    user = await require(request, Action.EDIT)
    fields = await read_form(request)
    ids = fields.ids("ids")
    back = _back(fields.get("back"))
    if not ids:
        _flash(request, *_said(Edited(requested=(), moved=()), "retry"))
        return RedirectResponse(back, status_code=303)
    result = await call(editing.retry, request.app.state.stores.queue, ids, actor=user.name)
    _flash(request, *_said(result, "retry"))
    return RedirectResponse(back, status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/queue", queue_page, methods=["GET"], name="queue"),
    Route("/queue/accounts", accounts_page, methods=["GET"], name="queue_accounts"),
    Route("/queue/retry", retry_many, methods=["POST"], name="queue_retry"),
    Route("/queue/{post_id:int}", post_page, methods=["GET"], name="queue_post"),
    Route("/queue/{post_id:int}/retry", retry_one, methods=["POST"], name="queue_post_retry"),
    Route("/queue/{post_id:int}/cancel", cancel_one, methods=["POST"], name="queue_post_cancel"),
]

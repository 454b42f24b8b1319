"""The review desk: drafts with each network's preview, one post with its edit form and history,
approval and sending back (one post or many), reschedule, and a new post.

Every route reads the request, checks the role, calls one library function of
:mod:`campaign.queue.review` (or :mod:`campaign.queue.editing`) in a worker thread, and renders a
page or redirects (303) back with a one-line result kept in the session for the next page.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from campaign.errors import CampaignError
from campaign.queue import editing, review
from campaign.text.networks import NETWORK_NAMES, NetworkLimits
from campaign.users.roles import Action
from campaign.web.auth import require, safe_next
from campaign.web.forms import page_number, read_form
from campaign.web.i18n import gettext as _
from campaign.web.i18n import language, ngettext
from campaign.web.posts import call, take_flash
from campaign.web.posts import post_id as post_id_of
from campaign.web.render import problem_status, render
from campaign.web.words import status_name

FLASH = "review_flash"
# a bulk action names this many posts it left alone, then counts the rest: the result rides in
# the session cookie, which a browser drops past 4 KB (signing the person out)
SHOWN_REFUSALS = 5
FLASH_LENGTH = 600
_T = TypeVar("_T")


def _units() -> dict[str, str]:
    return {"weighted characters": _("weighted characters"), "graphemes": _("graphemes"),
            "characters": _("characters")}


def _limits(request: Request) -> NetworkLimits:
    """The campaign's limits (its Mastodon length); an instance's own still come first."""
    campaign = request.app.state.stores.schedule.campaign
    return NetworkLimits(mastodon_characters=campaign.mastodon_characters)


def _flash(request: Request, message: str, kind: str = "done") -> None:
    if len(message) > FLASH_LENGTH:
        message = message[:FLASH_LENGTH - 1] + "…"
    request.session[FLASH] = {"message": message, "kind": kind}


def _back(path: str) -> str:
    """Where a bulk action returns to: a review page, else the desk."""
    path = safe_next(path)
    return path if path == "/review" or path.startswith(("/review?", "/review/")) else "/review"


def _common(request: Request) -> dict[str, Any]:
    stores = request.app.state.stores
    from babel.dates import get_month_names

    from campaign.web.pledge_form import audience_names

    months = get_month_names("wide", locale=language())
    return {"units": _units(), "network_names": NETWORK_NAMES,
            "audience_names": audience_names(stores.schedule, language()),
            "months": [(n, months[n]) for n in range(1, 13)],
            "languages_of_campaign": stores.schedule.campaign.languages,
            "flash": take_flash(request, FLASH)}


def _accounts(request: Request) -> list[str]:
    return [f"{a.network}={a.handle}" for a in request.app.state.stores.queue.accounts()]


def _refusals(result: review.Reviewed) -> list[str]:
    words = []
    for refusal in result.refused[:SHOWN_REFUSALS]:
        if refusal.reason == review.OWN:
            words.append(_("#%(id)s: you wrote or edited it yourself, so another approver must "
                           "approve it.", id=refusal.post_id))
        elif refusal.reason == review.MISSING:
            words.append(_("#%(id)s: there is no such post.", id=refusal.post_id))
        else:
            words.append(_("#%(id)s was left as it is: it is %(status)s.", id=refusal.post_id,
                           status=status_name(refusal.status)))
    if len(result.refused) > SHOWN_REFUSALS:
        words.append(ngettext("%(num)s more post was left as it is.",
                              "%(num)s more posts were left as they are.",
                              len(result.refused) - SHOWN_REFUSALS))
    return words


# -- pages -----------------------------------------------------------------------------------
def _desk(store: Any, params: dict[str, str], page: int, limits: NetworkLimits) -> review.DeskPage:
    chosen = review.filters(store, **params)
    return review.desk(store, chosen, page, limits=limits)


async def desk(request: Request) -> Response:
    """The drafts (or approved posts), filtered, 50 a page, each with its preview."""
    await require(request, Action.READ)
    query = request.query_params
    params = {k: query.get(k, "").strip() for k in ("status", "network", "account", "language",
                                                     "month")}
    page = page_number(request)
    stores = request.app.state.stores
    found = await run_in_threadpool(_desk, stores.queue, params, page, _limits(request))
    kept = urlencode({k: v for k, v in params.items() if v})
    return render(request, "review.html", {**_common(request), "desk": found, "params": params,
                                           "kept": kept, "accounts": _accounts(request),
                                           "here": str(request.url.path) + (
                                               f"?{request.url.query}" if request.url.query else "")})


async def post_page(request: Request) -> Response:
    """One post: its preview, the edit form, approve or send back, reschedule, its history."""
    user = await require(request, Action.READ)
    post_id = post_id_of(request)
    view = await call(review.post_view, request.app.state.stores.queue, post_id, user.name,
                       limits=_limits(request))
    return render(request, "review_post.html", {**_common(request), "view": view,
                                                "post": view.post})


async def image(request: Request) -> Response:
    """An image of a post, as it will go out (only a file the post's media names)."""
    await require(request, Action.READ)
    post_id = post_id_of(request)
    try:
        path, mime = await call(review.image_file, request.app.state.stores.queue, post_id,
                                 int(request.path_params["index"]))
    except CampaignError:
        raise HTTPException(404) from None
    from pathlib import Path

    if not Path(path).is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=mime, headers={"Cache-Control": "private, max-age=300"})


async def new_form(request: Request) -> Response:
    """The form of a new post."""
    await require(request, Action.EDIT)
    return render(request, "review_new.html", {**_common(request), "accounts": _accounts(request),
                                               "values": {}})


# -- actions ---------------------------------------------------------------------------------
async def new(request: Request) -> Response:
    """Save a new post as a draft; its page next."""
    user = await require(request, Action.EDIT)
    fields = await read_form(request)
    campaign = request.app.state.stores.schedule.campaign
    try:
        post_id = await call(review.new_post, request.app.state.stores.queue,
                              account=fields.get("account"), text=fields.get("text"),
                              due=fields.get("due"), language=fields.get("language"),
                              actor=user.name, campaign=campaign.id, timezone=campaign.timezone,
                              limits=_limits(request))
    except CampaignError as exc:  # the form again, with what was typed and why it was refused
        return render(request, "review_new.html",
                      {**_common(request), "accounts": _accounts(request), "values": fields.as_dict(),
                       "flash": {"message": exc.message, "kind": "problem"}}, status=problem_status(exc))
    _flash(request, _("The new post #%(id)s is saved as a draft: an approver will review it.",
                      id=post_id))
    return RedirectResponse(f"/review/{post_id}", status_code=303)


async def edit(request: Request) -> Response:
    """Save a post's new words; it goes back to draft for a new review."""
    user = await require(request, Action.EDIT)
    post_id = post_id_of(request)
    fields = await read_form(request)
    try:
        done = await call(review.edit_post, request.app.state.stores.queue, post_id,
                           fields.get("text"), actor=user.name, limits=_limits(request))
    except CampaignError as exc:  # the page again, keeping the words typed and saying why
        view = await call(review.post_view, request.app.state.stores.queue, post_id, user.name,
                           limits=_limits(request))
        return render(request, "review_post.html",
                      {**_common(request), "view": view, "post": view.post, "kept_text": fields.get("text"),
                       "flash": {"message": exc.message, "kind": "problem"}}, status=problem_status(exc))
    if not done.changed:
        _flash(request, _("Nothing changed: the text is the same."), "notice")
    elif done.status_before != done.status:
        _flash(request, _("Saved. The post is %(status)s again: it needs a new approval.",
                          status=status_name(done.status)))
    else:
        _flash(request, _("Saved."))
    return RedirectResponse(f"/review/{post_id}", status_code=303)


async def reschedule(request: Request) -> Response:
    """Move a post to another time (on its own clocks)."""
    user = await require(request, Action.EDIT)
    post_id = post_id_of(request)
    fields = await read_form(request)
    try:
        done = await call(editing.reschedule, request.app.state.stores.queue, post_id,
                           fields.get("due"), actor=user.name)
    except CampaignError as exc:  # said on the post's page, not on a page of its own
        _flash(request, _("Not rescheduled: %(why)s", why=exc.message), "problem")
        return RedirectResponse(f"/review/{post_id}", status_code=303)
    if done.ok:
        _flash(request, " ".join(filter(None, [_("Rescheduled."), done.note])))
    else:
        _flash(request, _("Not rescheduled: the post is no longer waiting to go out."), "problem")
    return RedirectResponse(f"/review/{post_id}", status_code=303)


async def approve(request: Request) -> Response:
    """Approve the posts ticked (or the one post of its page)."""
    user = await require(request, Action.APPROVE)
    fields = await read_form(request)
    back = _back(fields.get("back"))
    try:
        ids = fields.ids("ids")
        if not ids:
            _flash(request, _("Nothing approved: tick the posts to approve first."), "problem")
            return RedirectResponse(back, status_code=303)
        result = await call(review.approve_posts, request.app.state.stores.queue, ids,
                             actor=user.name)
    except CampaignError as exc:  # said on the page the approver came from
        _flash(request, exc.message, "problem")
        return RedirectResponse(back, status_code=303)
    words = [ngettext("%(num)s post approved.", "%(num)s posts approved.", len(result.done))]
    _flash(request, " ".join(words + _refusals(result)), "done" if result.ok else "problem")
    return RedirectResponse(back, status_code=303)


async def send_back(request: Request) -> Response:
    """Send the posts ticked back to draft with a comment."""
    user = await require(request, Action.APPROVE)
    fields = await read_form(request)
    back = _back(fields.get("back"))
    try:
        ids = fields.ids("ids")
        if not ids:
            _flash(request, _("Nothing sent back: tick the posts to send back first."), "problem")
            return RedirectResponse(back, status_code=303)
        if not fields.get("comment").strip():
            _flash(request, _("Nothing sent back: write a comment saying what to change."), "problem")
            return RedirectResponse(back, status_code=303)
        result = await call(review.send_back, request.app.state.stores.queue, ids,
                             actor=user.name, comment=fields.get("comment"))
    except CampaignError as exc:  # said on the page the approver came from
        _flash(request, exc.message, "problem")
        return RedirectResponse(back, status_code=303)
    words = [ngettext("%(num)s post sent back with the comment.",
                      "%(num)s posts sent back with the comment.", len(result.done))]
    _flash(request, " ".join(words + _refusals(result)), "done" if result.ok else "problem")
    return RedirectResponse(back, status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/review", desk, methods=["GET"], name="review"),
    Route("/review/new", new_form, methods=["GET"], name="review_new"),
    Route("/review/new", new, methods=["POST"]),
    Route("/review/approve", approve, methods=["POST"], name="review_approve"),
    Route("/review/send-back", send_back, methods=["POST"], name="review_send_back"),
    Route("/review/{post_id:int}", post_page, methods=["GET"], name="review_post"),
    Route("/review/{post_id:int}/edit", edit, methods=["POST"], name="review_edit"),
    Route("/review/{post_id:int}/reschedule", reschedule, methods=["POST"],
          name="review_reschedule"),
    Route("/review/{post_id:int}/image/{index:int}", image, methods=["GET"], name="review_image"),
]

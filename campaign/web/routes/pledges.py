"""The pledge pages: the public form and its confirmation, the registry and a pledge's page
(the secretariat's buttons on it), and the focal point's private progress page.

Each route reads the request, checks who may do what, calls one function of
campaign.pledges.registry (or the form's live check) and renders one template.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from campaign.errors import CampaignError
from campaign.users.roles import Action, may
from campaign.web import i18n
from campaign.web.auth import require, user_of
from campaign.web.forms import Fields, page_number, read_form
from campaign.web.i18n import gettext as _
from campaign.web.render import render
from campaign.web.routes.home import client_address
from campaign.web.security import Throttle

LINK_SHOWN = "pledge_link"  # the session's one-time copy of a new private link
CHECKS_PER_MINUTE = 120  # live SMART checks per address (typing, debounced)
PUBLIC_ACTOR = "web"  # who a submission through the public form is, in the events
FOCAL_ACTOR = "focal point (private link)"
# a page that shows a private link is kept by no cache (nor the browser's back button's)
NO_STORE = {"Cache-Control": "no-store"}


def _throttle(request: Request, name: str, limit: int) -> Throttle:
    state = request.app.state
    if not hasattr(state, name):
        setattr(state, name, Throttle(limit, 60.0))
    throttle: Throttle = getattr(state, name)
    return throttle


def _too_many(throttle: Throttle, key: str) -> HTTPException:
    wait = throttle.retry_after(key)
    return HTTPException(429, _("Too many pledges were sent from your address: try again in "
                                "%(seconds)s seconds.", seconds=wait),
                         headers={"Retry-After": str(wait)})


def _form_context(request: Request, values: dict[str, str], problems: list[Any]) -> dict[str, Any]:
    from campaign.pledges.words import CONTRIBUTION_MAX_WORDS, TITLE_MAX_WORDS
    from campaign.web import pledge_form

    stores = request.app.state.stores
    by_field = {p.field: p.message for p in problems if p.field}
    return {"values": values, "problems": problems, "by_field": by_field,
            "labels": pledge_form.labels(), "choices": pledge_form.choices(stores.schedule,
                                                                           i18n.language()),
            "networks": [(n, pledge_form.NETWORK_NAMES[n]) for n in pledge_form.NETWORKS],
            "rows": list(range(1, pledge_form.INDICATOR_ROWS + 1)),
            "title_max": TITLE_MAX_WORDS, "contribution_max": CONTRIBUTION_MAX_WORDS,
            "honeypot": pledge_form.HONEYPOT}


async def form_page(request: Request) -> Response:
    """The public pledge form (no account needed)."""
    return render(request, "pledge_form.html", _form_context(request, {}, []))


async def submit_form(request: Request) -> Response:
    """Check a submission as the CLI does; store it and show its link once, or show the form
    again with each problem by its field. A bot's submission is refused quietly."""
    from campaign.pledges.form import PledgeInvalid
    from campaign.pledges.registry import submit_pledge
    from campaign.pledges.store import DuplicatePledge
    from campaign.web import pledge_form

    throttle = _throttle(request, "pledge_throttle", request.app.state.config.pledge_rate)
    address = client_address(request)
    if throttle.blocked(address):
        raise _too_many(throttle, address)
    throttle.hit(address)
    fields = await read_form(request)
    if fields.get(pledge_form.HONEYPOT):
        # a person never sees this field: answer as if stored, store nothing
        return render(request, "pledge_thanks.html", {"link": None, "pledge_id": None,
                                                      "gone": False})
    stores = request.app.state.stores
    try:
        pledge, token, _notices = await run_in_threadpool(
            submit_pledge, stores.pledges, pledge_form.form_data(fields), stores.form_rules(),
            actor=PUBLIC_ACTOR)
    except PledgeInvalid as exc:
        problems = pledge_form.problems_of(exc.problems)
    except DuplicatePledge:
        problems = [pledge_form.Problem("title", _(
            "Your organisation already has a pledge with this title: give this one another "
            "title."))]
    else:
        request.session[LINK_SHOWN] = {"id": pledge.id, "token": token}
        return RedirectResponse("/pledge/thanks", status_code=303)
    return render(request, "pledge_form.html",
                  _form_context(request, fields.as_dict(), problems), status=400)


async def thanks(request: Request) -> Response:
    """The confirmation: the pledge's private progress link, shown this once."""
    shown = request.session.pop(LINK_SHOWN, None)
    if not isinstance(shown, dict):
        return render(request, "pledge_thanks.html", {"link": None, "pledge_id": None,
                                                      "gone": True})
    link = f"{request.base_url}pledges/{shown['id']}/progress/{shown['token']}"
    return render(request, "pledge_thanks.html", {"link": link, "pledge_id": shown["id"],
                                                  "gone": False}, headers=NO_STORE)


async def check(request: Request) -> Response:
    """The live SMART feedback: JSON in (the form's fields), JSON out; nothing is stored."""
    from campaign.web import pledge_form

    throttle = _throttle(request, "check_throttle", CHECKS_PER_MINUTE)
    address = client_address(request)
    if throttle.blocked(address):
        return JSONResponse({"error": _("Too many checks: wait a minute.")}, status_code=429)
    throttle.hit(address)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or len(body) > 200:
        return JSONResponse({"error": _("Send the form's fields as a JSON object.")},
                            status_code=400)
    fields = Fields([(str(k), v) for k, v in body.items() if isinstance(v, str)])
    stores = request.app.state.stores
    result = await run_in_threadpool(pledge_form.smart_feedback, fields, stores.form_rules(),
                                     i18n.language())
    return JSONResponse(result)


def _pledge_id(request: Request) -> int:
    text = str(request.path_params["pledge_id"])
    if not text.isdigit() or len(text) > 12:
        raise CampaignError(_("The pledge number must be a whole number, got %(value)s.",
                              value=repr(text[:20])))
    return int(text)


async def _get(request: Request, pledge_id: int) -> Any:
    """The stored pledge; 404 for an id no pledge has."""
    from campaign.pledges.store import PledgeNotFound

    try:
        return await run_in_threadpool(request.app.state.stores.pledges.get, pledge_id)
    except PledgeNotFound:
        raise HTTPException(404) from None


async def _staff(request: Request) -> tuple[bool, bool, str]:
    """Whether the visitor is the secretariat's (sees drafts), may manage pledges, and their name."""
    user = await user_of(request)
    if user is None:
        return False, False, ""
    return True, may(user.role, Action.MANAGE_PLEDGES), user.name


async def registry(request: Request) -> Response:
    """The registry: 50 pledges a page with their lights, filtered."""
    from campaign.pledges import registry as pledges
    from campaign.web import pledge_form

    staff, manage, _name = await _staff(request)
    stores = request.app.state.stores
    number = page_number(request)
    try:
        chosen = pledges.filters(request.query_params, stores.form_rules(), staff=staff)
    except pledges.FilterInvalid as exc:
        raise CampaignError(_("The filter %(name)s cannot be %(value)s: choose one of the list.",
                              name=exc.name, value=repr(exc.value[:40]))) from None
    result = await run_in_threadpool(pledges.page, stores.pledges, number=number, chosen=chosen,
                                     day=stores.today(), lang=i18n.language(), staff=staff,
                                     emails=manage)
    if number > result.pages:
        raise CampaignError(_("There is no page %(page)s: the registry has %(pages)s.",
                              page=number, pages=result.pages))
    lang = i18n.language()
    return render(request, "pledges.html", {
        "result": result, "manage": manage, "staff": staff,
        "audiences": pledge_form.audience_names(stores.schedule, lang),
        "choices": pledge_form.choices(stores.schedule, lang),
        "statuses": pledges.PLEDGE_STATUSES if staff else pledges.PUBLIC_STATUSES,
        "lights": pledges.LIGHTS, "query": _query_without_page(request)})


def _query_without_page(request: Request) -> str:
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]
    return urlencode(kept)


async def pledge_page(request: Request) -> Response:
    """A pledge's public page: its answers, indicators and progress; staff get its buttons."""
    from campaign.pledges import registry as pledges
    from campaign.pledges.progress import pledge_light

    pledge_id = _pledge_id(request)
    staff, manage, _name = await _staff(request)
    stores = request.app.state.stores
    pledge = await _get(request, pledge_id)
    if not pledges.visible(pledge, staff=staff):
        raise HTTPException(404)
    events = await run_in_threadpool(stores.pledges.events, pledge_id) if staff else []
    return render(request, "pledge.html", _pledge_context(request, pledge, staff, manage) | {
        "light": pledge_light(pledge, stores.today()), "events": events,
        "actions": pledges.actions_for(pledge) if manage else [],
        "new_link": _new_link_shown(request, pledge_id)}, headers=NO_STORE)


def _pledge_context(request: Request, pledge: Any, staff: bool, manage: bool) -> dict[str, Any]:
    from campaign.pledges.form import country_name
    from campaign.web import pledge_form

    lang = i18n.language()
    stores = request.app.state.stores
    return {"pledge": pledge, "form": pledge.form, "staff": staff, "manage": manage,
            "country": country_name(pledge.form.country, lang),
            "audience": pledge_form.audience_names(stores.schedule, lang).get(
                pledge.form.audience, pledge.form.audience),
            "criteria": pledge_form.criterion_names(),
            "handles": [(pledge_form.NETWORK_NAMES.get(n, n), h)
                        for n, h in pledge.form.handles.items()]}


def _new_link_shown(request: Request, pledge_id: int) -> str:
    shown = request.session.get(LINK_SHOWN)
    if isinstance(shown, dict) and shown.get("id") == pledge_id:
        request.session.pop(LINK_SHOWN)
        return f"{request.base_url}pledges/{pledge_id}/progress/{shown['token']}"
    return ""


async def act(request: Request) -> Response:
    """Accept, send back or withdraw a pledge (who may manage pledges only)."""
    from campaign.pledges.registry import act as do

    user = await require(request, Action.MANAGE_PLEDGES)
    pledge_id = _pledge_id(request)
    await _get(request, pledge_id)
    fields = await read_form(request)
    await run_in_threadpool(do, request.app.state.stores.pledges, pledge_id, fields.get("action"),
                            actor=user.name, note=fields.get("note")[:2000])
    return RedirectResponse(f"/pledges/{pledge_id}", status_code=303)


async def new_link(request: Request) -> Response:
    """A new private progress link (the old one stops working), shown once on the pledge's page."""
    from campaign.pledges.links import new_link as make

    user = await require(request, Action.MANAGE_PLEDGES)
    pledge_id = _pledge_id(request)
    await _get(request, pledge_id)
    token = await run_in_threadpool(make, request.app.state.stores.pledges, pledge_id,
                                    actor=user.name)
    request.session[LINK_SHOWN] = {"id": pledge_id, "token": token}
    return RedirectResponse(f"/pledges/{pledge_id}", status_code=303)


async def _linked_pledge(request: Request) -> Any:
    """The pledge of a private link; 404 for a link that is wrong, revoked or another's."""
    from campaign.pledges.links import pledge_for

    pledge_id = _pledge_id(request)
    stores = request.app.state.stores
    found = await run_in_threadpool(pledge_for, stores.pledges, str(request.path_params["token"]))
    if found != pledge_id:
        raise HTTPException(404)
    return await _get(request, pledge_id)


def _progress_page(request: Request, pledge: Any, *, values: dict[str, str], problem: str = "",
                   status: int = 200) -> Response:
    from campaign.pledges.progress import pledge_light

    stores = request.app.state.stores
    return render(request, "pledge_progress.html", _pledge_context(request, pledge, False, False) | {
        "light": pledge_light(pledge, stores.today()), "values": values, "problem": problem,
        "today": stores.today(), "saved": request.query_params.get("saved") == "1",
        "action": request.url.path}, status=status, headers=NO_STORE | {
            "Referrer-Policy": "no-referrer"})


async def progress_page(request: Request) -> Response:
    """The focal point's page, through the private link: the lights and a report form."""
    pledge = await _linked_pledge(request)
    return _progress_page(request, pledge, values={})


async def report(request: Request) -> Response:
    """Record a progress report sent through the private link (the CLI's checks)."""
    from campaign.pledges.registry import report_progress

    pledge = await _linked_pledge(request)
    fields = await read_form(request)
    values = fields.as_dict()
    stores = request.app.state.stores
    try:
        value = _number(fields.get("value"))
        on = _day(fields.get("on"))
        await run_in_threadpool(report_progress, stores.pledges, pledge.id, fields.get("indicator"),
                                value=value, on=on, today=stores.today(),
                                note=fields.get("note")[:2000], evidence=fields.get("evidence"),
                                actor=FOCAL_ACTOR)
    except CampaignError as exc:
        return _progress_page(request, pledge, values=values, problem=_report_problem(exc.message),
                              status=400)
    return RedirectResponse(f"{request.url.path}?saved=1", status_code=303)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CampaignError(f"--value {text[:30]!r} is not a finite number") from None
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CampaignError(f"--on {text[:30]!r} is not a date") from None


def _report_problem(message: str) -> str:
    """A progress check's sentence, in the request's language."""
    rules = (("--value", _("Give the value as a number in digits, e.g. 120 or 12.5.")),
             ("--on", _("Give the day the value was measured, not in the future and not before "
                        "the pledge was submitted.")),
             ("--note", _("Shorten the note and remove any control characters.")),
             ("--evidence", _("Give the evidence as an http(s) address, e.g. "
                              "https://example.org/report-2021.")),
             ("no indicator", _("Choose one of the pledge’s indicators.")))
    for marker, sentence in rules:
        if marker in message:
            return sentence
    return message


ROUTES: list[BaseRoute] = [
    Route("/pledge", form_page, methods=["GET"], name="pledge_form"),
    Route("/pledge", submit_form, methods=["POST"]),
    Route("/pledge/thanks", thanks, methods=["GET"], name="pledge_thanks"),
    Route("/pledge/check", check, methods=["POST"], name="pledge_check"),
    Route("/pledges", registry, methods=["GET"], name="pledges"),
    Route("/pledges/{pledge_id}", pledge_page, methods=["GET"], name="pledge"),
    Route("/pledges/{pledge_id}/status", act, methods=["POST"]),
    Route("/pledges/{pledge_id}/link", new_link, methods=["POST"]),
    Route("/pledges/{pledge_id}/progress/{token}", progress_page, methods=["GET"]),
    Route("/pledges/{pledge_id}/progress/{token}", report, methods=["POST"]),
]

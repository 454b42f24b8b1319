"""The calendar: a month or a week of the queue and the schedule (observance days marked), with
the filters, and the same period as an iCalendar file.

Each route reads the query, checks the role, calls one library function of
:mod:`campaign.queue.agenda` (or :mod:`campaign.queue.agenda_ics`) in a worker thread, and
renders.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from campaign.queue import agenda, agenda_ics
from campaign.queue.filters import Asked
from campaign.queue.models import STATUSES
from campaign.users.roles import Action
from campaign.web.auth import require
from campaign.web.i18n import language
from campaign.web.render import render
from campaign.web.words import status_name


def _asked(request: Request) -> Asked:
    """The filters of the query (its month and week name the period, not a filter)."""
    return replace(Asked.from_query(request.query_params.multi_items()), month="", day="")


def _period(request: Request) -> dict[str, str]:
    query = request.query_params
    return {k: query.get(k, "").strip()[:40] for k in ("view", "month", "week")}


async def calendar_page(request: Request) -> Response:
    """A month (``?month=YYYY-MM``) or a week (``?view=week&week=YYYY-MM-DD``), filtered."""
    await require(request, Action.READ)
    asked = _asked(request)
    stores = request.app.state.stores
    view = await run_in_threadpool(agenda.calendar, stores.queue, stores.schedule, asked,
                                   **_period(request), today=stores.today(), language=language())
    return render(request, "calendar.html", {"cal": view, "kept": asked.query()})


async def calendar_file(request: Request) -> Response:
    """The same period, with the same filters, as an iCalendar file."""
    await require(request, Action.READ)
    asked = _asked(request)
    stores = request.app.state.stores
    period = _period(request)
    words = {s.value: status_name(s.value) for s in STATUSES}
    body = await run_in_threadpool(agenda_ics.calendar_ics, stores.queue, stores.schedule, asked,
                                   **period, today=stores.today(), language=language(), words=words)
    name = period["week"] or period["month"] or stores.today().strftime("%Y-%m")
    safe = "".join(c for c in name if c.isalnum() or c == "-")[:20]
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="campaign-{safe}.ics"',
                             "Cache-Control": "private, no-store"})


ROUTES: list[BaseRoute] = [
    Route("/calendar", calendar_page, methods=["GET"], name="calendar"),
    Route("/calendar.ics", calendar_file, methods=["GET"], name="calendar_ics"),
]

"""The tracking pages: the report's figures, charts and tables with filters, each chart as an
SVG image, and the self-contained HTML report and December story, each served with the
Content-Security-Policy its own ``<meta>`` declares (the Guard keeps a route's own policy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from campaign.reports.model import ReportQuery
from campaign.reports.web import CHART_KINDS, Filters, Page, Tracking, read_filters
from campaign.users.roles import Action
from campaign.web import i18n
from campaign.web.auth import require
from campaign.web.render import render

# a chart is an image: its SVG may style itself, and nothing else
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _tracking(request: Request) -> Tracking:
    """This worker's reports (and their cache), made on first use."""
    state = request.app.state
    if not hasattr(state, "tracking_reports"):
        stores = state.stores
        state.tracking_reports = Tracking(stores.pledges, stores.schedule)
    return state.tracking_reports  # type: ignore[no-any-return]


def _filters(request: Request) -> tuple[Filters, ReportQuery]:
    stores = request.app.state.stores
    return read_filters(request.query_params.multi_items(), year=stores.schedule.year,
                        today=stores.today())


async def tracking(request: Request) -> Response:
    """The report of the tracked posts for the filters of the query string."""
    await require(request, Action.READ)
    filters, query = _filters(request)
    shown = await run_in_threadpool(_tracking(request).page, filters, query, i18n.language())
    return render(request, "tracking.html", shown)


async def chart(request: Request) -> Response:
    """One chart of the report, as an SVG image (matplotlib's: text, paths, no script)."""
    await require(request, Action.READ)
    kind = request.path_params["kind"]
    if kind not in CHART_KINDS:
        raise HTTPException(404)
    _filters_given, query = _filters(request)
    data, _alt = await run_in_threadpool(_tracking(request).chart, query, i18n.language(), kind)
    return Response(data, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": CHART_CSP,
                             "Cache-Control": "private, max-age=60"})


def _page(page: Page) -> Response:
    return HTMLResponse(page.html, headers={
        "Content-Security-Policy": page.csp,
        "Content-Disposition": f'inline; filename="{page.filename}"'})


async def report_page(request: Request) -> Response:
    """The whole report as one self-contained page (to read, print or save)."""
    await require(request, Action.READ)
    _filters_given, query = _filters(request)
    return _page(await run_in_threadpool(_tracking(request).html_report, query, i18n.language()))


async def story_page(request: Request) -> Response:
    """The December story of the campaign's year, one self-contained page."""
    await require(request, Action.READ)
    language = request.query_params.get("lang") or i18n.language()
    stores = request.app.state.stores
    return _page(await run_in_threadpool(_tracking(request).story, language, stores.today()))


ROUTES: list[BaseRoute] = [
    Route("/tracking", tracking, name="tracking"),
    Route("/tracking/chart/{kind}.svg", chart, name="tracking_chart"),
    Route("/tracking/report.html", report_page, name="tracking_report"),
    Route("/tracking/story.html", story_page, name="tracking_story"),
]

"""The report as the dashboard shows it: filters read from a query string, the report built
once per filters, language and data version and kept a short while in the worker, its charts
drawn once, and the self-contained report and story pages with the policy each one declares.

A year's report over a big database takes seconds; the tracking page, its six chart images
and the HTML report all ask for the same one within a second or two, so one build serves them
all. The cache is keyed by a cheap "data version" (the newest tracked post and collection run,
the pledges' count and newest change), so a new post shows at the next request, and entries
expire after :data:`CACHE_SECONDS` anyway (a collection that only updates counts).
"""

from __future__ import annotations

import html as html_text
import re
import threading
import time
from calendar import monthrange
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any, TypeVar

from sqlalchemy import func, select

from campaign.errors import UsageError
from campaign.reports.choices import NETWORK_NAMES, ReportError, report_choices
from campaign.reports.model import BUCKETS, NOT_A_PLEDGER, Report, ReportQuery

CACHE_SECONDS = 60.0
CACHE_SIZE = 24  # reports (and stories) a worker keeps: a few people's filters at once
MAX_VALUES = 20  # values of one filter a query string may give
MAX_TEXT = 200  # characters of one filter value
CHART_KINDS = ("time", "network", "language", "audience", "country", "tags")
STORY_LANGUAGES = ("en", "fr", "es")
# drawing sets matplotlib's global settings for the figure's time: one chart at a time
_DRAWING = threading.Lock()
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"')
T = TypeVar("T")


# -- filters -------------------------------------------------------------------------------------
def period_choices(year: int) -> list[str]:
    """What the period filter may be: the whole year, or one of its months (``2021-06``)."""
    return ["year"] + [f"{year}-{month:02d}" for month in range(1, 13)]


@dataclass(frozen=True)
class Filters:
    """The filters as the form shows them back (each value as given, checked)."""

    period: str = "year"
    by: str = "month"
    networks: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    hashtag: str = ""
    audiences: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    pledgers: bool = False


def _values(items: Sequence[tuple[str, str]], name: str) -> tuple[str, ...]:
    found = tuple(v.strip() for k, v in items if k == name and v.strip())
    if len(found) > MAX_VALUES:
        raise ReportError(f"{name}: give at most {MAX_VALUES} values, not {len(found)}")
    for value in found:
        if len(value) > MAX_TEXT:
            raise ReportError(f"{name} '{value[:20]}…' is too long: at most {MAX_TEXT} characters")
    return found


def read_filters(items: Sequence[tuple[str, str]], *, year: int,
                 today: date | None = None) -> tuple[Filters, ReportQuery]:
    """The filters of a query string's ``items`` and the report query they ask for; a value
    out of the choices is refused, naming the field (the database's values are checked when
    the report is built)."""
    from campaign.tracking.records import normalise_tag

    period = (_values(items, "period") or ("year",))[0]
    if period not in period_choices(year):
        raise UsageError("period", period, period_choices(year))
    if period == "year":
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        month = int(period[5:])
        start, end = date(year, month, 1), date(year, month, monthrange(year, month)[1])
    by = (_values(items, "by") or ("month" if period == "year" else "day",))[0]
    if by not in BUCKETS:
        raise UsageError("by", by, BUCKETS)
    pledgers = (_values(items, "pledgers") or ("",))[0]
    if pledgers not in ("", "1", "on"):
        raise UsageError("pledgers", pledgers, ("1",))
    hashtag = (_values(items, "hashtag") or ("",))[0]
    tag = normalise_tag(hashtag) if hashtag else None
    if hashtag and not tag:
        raise ReportError(f"hashtag '{hashtag}': give a hashtag, e.g. EndChildLabour2021")
    # networks are stored in lower case and countries as ISO codes: X and sn are x and SN
    filters = Filters(period=period, by=by,
                      networks=tuple(n.lower() for n in _values(items, "network")),
                      languages=tuple(n.lower() for n in _values(items, "language")),
                      hashtag=hashtag, audiences=_values(items, "audience"),
                      countries=tuple(c.upper() for c in _values(items, "country")),
                      pledgers=bool(pledgers))
    query = ReportQuery(start=start, end=end, bucket=by,  # type: ignore[arg-type]
                        networks=filters.networks, languages=filters.languages, hashtag=tag,
                        audiences=filters.audiences, countries=filters.countries,
                        pledgers_only=filters.pledgers,
                        today=today if today and start <= today <= end else None)
    return filters, query


# -- a short-lived cache -------------------------------------------------------------------------
class TimedCache:
    """At most ``size`` values, each kept ``seconds``; the least recently used goes first.
    Safe across the threads of one worker; two threads asking for one missing key may both
    make it (the second's is kept), which costs time, never a wrong answer."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for ``key``, or ``make()``'s, kept from now."""
        now = self.clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self.seconds:
                self._items.move_to_end(key)
                return found[1]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._items[key] = (self.clock(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


def data_version(store: Any) -> tuple[Any, ...]:
    """What changes when a report would: the newest tracked post and collection run, and the
    pledges' count and latest change (each an indexed or small lookup)."""
    from campaign.pledges.models import PLEDGES
    from campaign.tracking.models import POSTS, RUNS

    with store._reading() as conn:
        posts = conn.execute(select(func.max(POSTS.c.id))).scalar()
        runs = conn.execute(select(func.max(RUNS.c.id))).scalar()
        pledges = conn.execute(select(func.count(), func.max(PLEDGES.c.updated_at))
                               .select_from(PLEDGES)).one()
    return posts, runs, pledges[0], str(pledges[1])


# -- the built report ----------------------------------------------------------------------------
@dataclass
class Built:
    """One report and what is made from it on demand (charts, the HTML page), kept together."""

    report: Report
    _charts: dict[str, Any] = field(default_factory=dict)
    _page: str | None = None

    def charts(self) -> dict[str, Any]:
        """Every chart (campaign.reports.charts.Chart), drawn the first time they are asked for."""
        if not self._charts:
            from campaign.reports.charts import all_charts

            with _DRAWING:
                self._charts = all_charts(self.report, "svg")
        return self._charts

    def page(self) -> str:
        """The self-contained HTML report, rendered the first time it is asked for."""
        if self._page is None:
            from campaign.reports.html import render_html

            with _DRAWING:
                self._page = render_html(self.report)
        return self._page


class Tracking:
    """The reports of one database for the dashboard: built through one Reporter-like call
    each, kept in a :class:`TimedCache`."""

    def __init__(self, store: Any, schedule: Any, *, cache: TimedCache | None = None) -> None:
        self.store, self.schedule = store, schedule
        self.cache = cache or TimedCache()

    def built(self, query: ReportQuery, language: str,
              version: tuple[Any, ...] | None = None) -> Built:
        """The report of ``query`` in ``language``, from the cache when the data is the same
        (``version``: the data's, when the caller has just read it)."""
        from campaign.reports.metrics import build_report

        key = ("report", query, language, version or data_version(self.store))
        return self.cache.get(key, lambda: Built(build_report(
            self.store, query, language=language, schedule=self.schedule)))

    def choices(self, language: str,
                version: tuple[Any, ...] | None = None) -> dict[str, list[tuple[str, str]]]:
        """The filter form's choices, each (value, label in ``language``)."""
        key = ("choices", language, version or data_version(self.store))
        return self.cache.get(key, lambda: self._choices(language))

    def _choices(self, language: str) -> dict[str, list[tuple[str, str]]]:
        from campaign.pledges.form import country_name
        from campaign.reports.labels import label, language_name

        found = report_choices(self.store)
        names = {a.id: a.name.get(language) or a.id for a in getattr(self.schedule, "audiences", ())}
        not_pledger = label("not_pledger", language)
        audiences = sorted({*found["audiences"], *names})
        return {
            "networks": [(n, NETWORK_NAMES.get(n, n)) for n in sorted({*found["networks"],
                                                                       *NETWORK_NAMES})],
            "languages": [(c, f"{language_name(c, language)} ({c})") for c in found["languages"]],
            "hashtags": [(t, f"#{t}") for t in found["hashtags"]],
            "audiences": [(a, not_pledger if a == NOT_A_PLEDGER else names.get(a, a))
                          for a in audiences],
            "countries": [(c, not_pledger if c == NOT_A_PLEDGER else country_name(c, language))
                          for c in found["countries"]],
        }

    def page(self, filters: Filters, query: ReportQuery, language: str) -> dict[str, Any]:
        """What the tracking page shows for ``filters``: the report's tables and charts, the
        form's choices and the addresses of the charts and the HTML report."""
        from campaign.reports.labels import month

        version = data_version(self.store)  # read once for the report and the form's choices
        built = self.built(query, language, version)
        link = query_string(filters)
        year = self.schedule.year
        periods = [("year", "")] + [(value, month(date(year, int(value[5:]), 1), language))
                                    for value in period_choices(year)[1:]]
        return {"report": view(built, filters, link), "choices": self.choices(language, version),
                "periods": periods, "year": year, "link": link}

    def chart(self, query: ReportQuery, language: str, kind: str) -> tuple[bytes, str]:
        """One chart's SVG and its description; an unknown kind names the choices."""
        if kind not in CHART_KINDS:
            raise UsageError("chart", kind, CHART_KINDS)
        drawn = self.built(query, language).charts()[kind]
        return drawn.data, drawn.alt

    def html_report(self, query: ReportQuery, language: str) -> Page:
        """The self-contained HTML report and its policy."""
        text = self.built(query, language).page()
        start, end = query.start, query.end
        name = f"report-{start.isoformat()}-{end.isoformat()}-{language}.html"
        return Page(text, csp_of(text), name)

    def story(self, language: str, today: date) -> Page:
        """The December story of the schedule's year in ``language``, written on ``today``."""
        from campaign.reports.story import build_story, render_story

        if language not in STORY_LANGUAGES:
            raise UsageError("language", language, STORY_LANGUAGES)
        year = self.schedule.year
        now = datetime.combine(today, day_time(23, 59, 59), UTC)
        key = ("story", year, language, today, data_version(self.store))

        def make() -> Page:
            with _DRAWING:
                text = render_story(build_story(self.store, year=year, language=language,
                                                schedule=self.schedule, now=now))
            return Page(text, csp_of(text), f"story-{year}-{language}.html")

        return self.cache.get(key, make)


@dataclass(frozen=True)
class Page:
    """A self-contained page, its Content-Security-Policy and the name to save it as."""

    html: str
    csp: str
    filename: str


def csp_of(page: str) -> str:
    """The policy a page declares in its ``<meta>``, to send as its header too (the same
    words, so the header never allows what the page does not)."""
    found = _CSP_META.search(page)
    if found is None:
        raise ReportError("the page declares no Content-Security-Policy")
    return html_text.unescape(found.group(1))


# -- what the page shows -------------------------------------------------------------------------
def _web_link(url: str) -> str:
    """``url`` if it is an http(s) address (mailto is not a post's link), else nothing."""
    return url if url.lower().startswith(("https://", "http://")) else ""


def view(built: Built, filters: Filters, query_string: str) -> dict[str, Any]:
    """The tracking page's tables and charts, as plain text and numbers in the report's
    language (the template formats nothing itself)."""
    from campaign.reports.html import tables

    report = built.report
    shown = tables(report)
    for row in shown["top_posts"]:
        row["url"] = _web_link(row["url"])
    for row in shown["contributors"]:
        row["url"] = _web_link(row["url"])
    charts = [] if report.empty else [
        {"kind": kind, "title": chart.title, "alt": chart.alt,
         "src": f"/tracking/chart/{kind}.svg" + (f"?{query_string}" if query_string else "")}
        for kind, chart in built.charts().items()]
    return shown | {"charts": charts, "filters": filters, "filters_line": shown["filters"],
                    "posts": report.totals.posts}


def query_string(filters: Filters) -> str:
    """The filters as a query string (the chart, report and link addresses)."""
    from urllib.parse import urlencode

    items: list[tuple[str, str]] = [("period", filters.period), ("by", filters.by)]
    for name, values in (("network", filters.networks), ("language", filters.languages),
                         ("audience", filters.audiences), ("country", filters.countries)):
        items += [(name, v) for v in values]
    if filters.hashtag:
        items.append(("hashtag", filters.hashtag))
    if filters.pledgers:
        items.append(("pledgers", "1"))
    return urlencode(items)

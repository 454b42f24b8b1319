"""The December story of the year, as the guide asks ("DÉCEMBRE : visualisez votre cheminement
en 2021 à l’aide d’une histoire de scrollytelling"): one self-contained HTML page that scrolls
month by month through the calendar's actions and observance days, how the hashtag was used
(a chart per month), what pledgers posted and how their pledges progressed, and closes with the
year's totals, reach (three ways, with their methods) and costs per currency.

:func:`build_story` gathers the data (a :class:`~campaign.reports.model.Report` per month from
:func:`campaign.reports.metrics.build_report`, the pledges from the store, the calendar from the
schedule); :func:`render_story` turns it into the page; :func:`write_story` does both and writes
the file atomically. See docs/story.md.
"""

from __future__ import annotations

import calendar
import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaign.reports.model import Counts, Reach, Report, ReportQuery, TopPost
from campaign.reports.story_labels import check_language

if TYPE_CHECKING:
    from campaign.content.schedule import Schedule
    from campaign.pledges.report import CostRow
    from campaign.pledges.store import Pledge
    from campaign.queue.engine import Database
    from campaign.reports.metrics import Reporter

HIGHLIGHTS = 3  # pledger posts shown per month: a story, not a listing


@dataclass(frozen=True)
class CalendarItem:
    """An action or observance day of the calendar, in the story's language."""

    id: str
    day: date
    kind: str  # action, message or observance
    part: str  # agir, inspirer, amplifier
    title: str
    action: str  # what the calendar asks, '' for an observance day
    audience: str  # individuals, stakeholders or everyone (whom the entries speak to)


@dataclass(frozen=True)
class Highlight:
    """A pledger's post among the month's most engaged: untrusted text, escaped where shown."""

    network: str
    author: str  # handle as posted
    organisations: tuple[str, ...]  # the pledges that name its author
    text: str
    url: str  # '' when the collector gave no http(s) address
    created_at: datetime
    engagement: int


@dataclass(frozen=True)
class PledgeProgress:
    """The pledges at a month's end: made so far, submitted that month, and their lights."""

    day: date  # the day the lights are read on: the month's last, or today within it
    submitted: int  # pledges whose submission day falls in the month (drafts left out)
    total: int  # pledges submitted by ``day`` (drafts left out)
    lights: dict[str, int] = field(default_factory=dict)  # pledges in progress per light


@dataclass(frozen=True)
class Chart:
    """A chart as the report helper draws it (campaign.reports.charts.Chart's fields)."""

    data: bytes
    mime: str
    alt: str
    title: str


@dataclass(frozen=True)
class StoryMonth:
    """One month of the story."""

    month: int
    start: date
    end: date
    actions: tuple[CalendarItem, ...]
    observances: tuple[CalendarItem, ...]
    future: bool  # after the day the story is written: only the calendar is shown
    report: Report | None  # None for a future month
    chart: Chart | None
    highlights: tuple[Highlight, ...]
    pledges: PledgeProgress

    @property
    def anchor(self) -> str:
        """The section's id, e.g. ``month-06``."""
        return f"month-{self.month:02d}"


@dataclass(frozen=True)
class Closing:
    """The year's totals, its pledges by status and their costs per currency."""

    totals: Counts
    contributors: int
    reach: Reach
    statuses: dict[str, int]
    pledges: int
    costs: tuple[CostRow, ...]  # campaign.pledges.report's rows: one per currency, unconverted
    lights: dict[str, int]


@dataclass(frozen=True)
class Story:
    """Everything the December story shows, in one language."""

    year: int
    language: str
    generated_at: datetime
    hashtag: str
    campaign_name: str
    organiser: str
    months: tuple[StoryMonth, ...]
    closing: Closing

    @property
    def empty(self) -> bool:
        """Whether no post was collected in the year: the page says so, and still tells it."""
        return self.closing.totals.posts == 0

    @property
    def posts(self) -> int:
        """Every post of the year the story counts."""
        return self.closing.totals.posts


# -- the data ----------------------------------------------------------------------------------
def build_story(db: str | Database | None, *, year: int, language: str,
                schedule: Schedule | None = None, now: datetime | None = None,
                charts: bool = True) -> Story:
    """The story of ``year`` in ``language`` (fr, en, es) from the database ``db`` (a URL, None
    for the default one, or an open store) and the calendar of ``schedule`` (None: the built-in
    one, moved to ``year``), written on ``now`` (its months after it are still to come).
    ``charts=False`` leaves the charts out: the page is some 30 times smaller, and quicker."""
    from campaign.pledges.store import PledgeStore

    check_language(language)
    now = now or datetime.now(UTC)
    today = now.date()
    if schedule is None:
        from campaign.content.selection import load

        schedule = load(None, year)
    # one store for every report of the story, opened here unless the caller gave one
    store = db if isinstance(db, PledgeStore) else PledgeStore(
        db if isinstance(db, str) or db is None else db.url)
    try:
        from campaign.reports.metrics import Reporter

        pledges = store.pledges()
        # one reader for the two dozen reports: the pledges' authors read once; and without
        # the pledgers' activity: each report would work out every pledge's activity and light
        # again (two dozen times over 10,000 pledges, most of the story's time), which the
        # story never shows; it tells the pledges itself (pledge_progress, _closing)
        reports = Reporter(store, language=language, schedule=schedule, now=now,
                           activity=False)
        months = tuple(_month(reports, schedule, pledges, year, m, today, charts)
                       for m in _story_months(schedule, year))
        closing = _closing(reports, schedule, pledges, year, language, today, months)
    finally:
        if store is not db:
            store.close()
    camp = schedule.campaign
    return Story(year=year, language=language, generated_at=now, hashtag=camp.hashtag,
                 campaign_name=camp.name.get(language) or camp.hashtag,
                 organiser=camp.organiser_in(language), months=months, closing=closing)


def _story_months(schedule: Schedule, year: int) -> list[int]:
    # the guide's Inspirer calendar runs February to December; January belongs to the story
    # only when the calendar has something in it (the 2021 one: the pledges and quick things)
    january = any(o.due.year == year and o.due.month == 1 for o in schedule.occurrences)
    return list(range(1 if january else 2, 13))


def _month(reports: Reporter, schedule: Schedule, pledges: Sequence[Pledge], year: int,
           month: int, today: date, charts: bool) -> StoryMonth:
    language = reports.language
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    future = start > today
    actions, observances = calendar_items(schedule, year, month, language)
    report = chart = None
    highlights: tuple[Highlight, ...] = ()
    if not future:
        report = reports.report(ReportQuery(start=start, end=end, bucket="day", top=HIGHLIGHTS))
        if not report.empty:
            chart = month_chart(report) if charts else None
            highlights = highlighted(reports.top_posts(ReportQuery(
                start=start, end=end, bucket="month", pledgers_only=True, top=HIGHLIGHTS)))
    return StoryMonth(month=month, start=start, end=end, actions=actions,
                      observances=observances, future=future, report=report, chart=chart,
                      highlights=highlights,
                      pledges=PledgeProgress(day=start, submitted=0, total=0) if future
                      else pledge_progress(pledges, start, min(end, today)))


def calendar_items(schedule: Schedule, year: int, month: int, language: str,
                   ) -> tuple[tuple[CalendarItem, ...], tuple[CalendarItem, ...]]:
    """The month's actions and observance days, in ``language``; an action the calendar gives
    to several audiences on one day (each stakeholder type's pledge) is told once."""
    found: dict[tuple[bool, str, date, str], CalendarItem] = {}
    whom: dict[tuple[bool, str, date, str], set[str]] = {}
    kinds = {a.id: a.kind for a in schedule.audiences}
    for occ in sorted(schedule.occurrences, key=lambda o: (o.due, o.entry.id)):
        day = occ.due.date()
        if day.year != year or day.month != month:
            continue
        entry = occ.entry
        title = _localized(entry.title, language)
        action = _localized(entry.action, language) if entry.action else ""
        key = (entry.kind == "observance", title, day, action)
        whom.setdefault(key, set()).update(kinds.get(a, "") for a in occ.audiences)
        if key not in found:
            found[key] = CalendarItem(id=entry.id, day=day, kind=entry.kind, part=entry.part,
                                      title=title, action=action, audience="")
    items = [_with_audience(item, whom[key]) for key, item in found.items()]
    return (tuple(i for i in items if i.kind != "observance"),
            tuple(i for i in items if i.kind == "observance"))


def _with_audience(item: CalendarItem, kinds: set[str]) -> CalendarItem:
    if kinds == {"individual"}:
        audience = "individuals"
    elif "individual" not in kinds:
        audience = "stakeholders"
    else:
        audience = "everyone"
    return CalendarItem(**{**item.__dict__, "audience": audience})


def _localized(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def highlighted(posts: Iterable[TopPost]) -> tuple[Highlight, ...]:
    """Pledgers' posts as the story shows them: a link only when it is a web address."""
    return tuple(Highlight(network=p.network, author=p.author,
                           organisations=tuple(dict.fromkeys(r.organisation for r in p.pledges)),
                           text=p.text, url=p.url if _web(p.url) else "",
                           created_at=p.created_at, engagement=p.engagement)
                 for p in posts)


def _web(url: str) -> bool:
    # a collected post's address is untrusted: a javascript: or data: link must never be one
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def pledge_progress(pledges: Sequence[Pledge], start: date, day: date) -> PledgeProgress:
    """The pledges made by ``day``, those submitted since ``start``, and the lights on ``day``
    of those in progress (submitted or accepted), as the pledge report counts them."""
    from campaign.pledges.models import ACTIVE, PledgeStatus
    from campaign.pledges.progress import count_lights, light_on

    made = [(p, on) for p in pledges if p.status is not PledgeStatus.DRAFT
            and (on := _submitted(p)) is not None and on <= day]
    lights = count_lights(light_on(p, day) for p, _ in made if p.status in ACTIVE)
    return PledgeProgress(day=day, submitted=sum(on >= start for _, on in made),
                          total=len(made), lights=lights)


def _submitted(pledge: Pledge) -> date | None:
    if pledge.form.submitted_on:
        return pledge.form.submitted_on
    return pledge.created_at.date() if pledge.created_at else None


def _closing(reports: Reporter, schedule: Schedule, pledges: Sequence[Pledge], year: int,
             language: str, today: date, months: Sequence[StoryMonth]) -> Closing:
    from dataclasses import replace

    from campaign.pledges.report import build_report as pledge_report
    from campaign.reports.period import year_query

    # the year up to the last month told: months still to come show no figure, and the
    # totals are those of the months shown (the whole year once December is reached)
    told = [m for m in months if not m.future]
    query = year_query(year)
    if told and told[-1].end < query.end:
        query = replace(query, end=told[-1].end)
    whole = reports.report(query)
    day = min(date(year, 12, 31), max(today, date(year, 1, 1)))
    names = {a.id: a.name.get(language) or a.name.get("en") or a.id for a in schedule.audiences}
    # the pledge report's own costs: added per currency, drafts and withdrawn pledges left out
    plan = pledge_report(pledges, day=day, lang=language, audience_names=names,
                         audience_kinds={a.id: a.kind for a in schedule.audiences})
    return Closing(totals=whole.totals, contributors=whole.contributors, reach=whole.reach,
                   statuses=dict(plan.statuses), pledges=plan.total, costs=plan.costs,
                   lights=dict(plan.pledge_lights))


def month_chart(report: Report) -> Chart | None:
    """The month's time chart, drawn by campaign.reports.charts as SVG; None where that module
    is not installed (the figures are written beside it anyway)."""
    if importlib.util.find_spec("campaign.reports.charts") is None:
        return None
    from campaign.reports.charts import time_chart

    drawn: Any = time_chart(report, fmt="svg")
    return Chart(data=drawn.data, mime=drawn.mime, alt=drawn.alt, title=drawn.title)


# -- the page ----------------------------------------------------------------------------------
def render_story(story: Story) -> str:
    """The story as one self-contained HTML page (see campaign.reports.story_html)."""
    from campaign.reports.story_html import render

    return render(story)


@dataclass(frozen=True)
class Written:
    """What :func:`write_story` wrote."""

    path: Path
    size: int  # bytes
    months: int
    posts: int
    story: Story


def write_story(db: str | Database | None, out: Path, *, year: int, language: str,
                schedule: Schedule | None = None, now: datetime | None = None,
                charts: bool = True) -> Written:
    """Build the story and write it to ``out``, whole or not at all."""
    from campaign.atomic import atomic_open

    out = Path(out)
    # the file is opened first: a folder that cannot be written fails before the database is
    # read, and a failure while building leaves the old page as it was
    with atomic_open(out) as handle:
        story = build_story(db, year=year, language=language, schedule=schedule, now=now,
                            charts=charts)
        html = render_story(story)
        handle.write(html)
    return Written(path=out, size=len(html.encode("utf-8")), months=len(story.months),
                   posts=story.posts, story=story)

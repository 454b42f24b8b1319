"""The calendar's read model: the days of a month or a week on the campaign's clocks, each with
its observance days, the schedule's entries and the queue's posts (counted by status, the first
few listed), as the dashboard's calendar page shows them.

Posts are read in SQL by ``due_at`` range, never the whole queue: one statement counts them per
day and status, another lists each day's first posts (a window function). The day a post falls
on is worked out in SQL from the days' bounds, computed here on the campaign's timezone (DST
included), since no SQL both databases speak converts between timezones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import CompoundSelect, Connection, bindparam, func, literal_column, select, union_all

from campaign.content.calendar import audience_summary
from campaign.content.schedule import Occurrence, Schedule
from campaign.queue.filters import (
    Asked,
    BadFilter,
    Choices,
    Filter,
    check,
    choices,
    entry_titles,
    localized,
    midnight,
    named_accounts,
    next_month,
    parse_day,
    parse_month,
    template,
)
from campaign.queue.models import STATUSES, Account, QueuedPost, UTCDateTime
from campaign.queue.store import Store

VIEWS: Final = ("month", "week")
SHOWN: Final = {"month": 3, "week": 12}  # posts listed per day; the rest are counted


@dataclass(frozen=True)
class CalendarPost:
    """A post as the calendar lists it."""

    id: int
    due_at: datetime
    timezone: str
    status: str
    network: str
    handle: str
    entry: str
    title: str
    language: str
    audience: str
    kind: str
    idempotency_key: str = ""


@dataclass(frozen=True)
class Planned:
    """An entry of the schedule on its day: what the campaign planned, whether queued or not."""

    entry: str
    title: str
    kind: str  # action, observance or message
    part: str
    due: datetime  # in the entry's own timezone
    networks: tuple[str, ...]
    audiences: str  # the shortest honest name for them
    day_bound: bool


@dataclass(frozen=True)
class Day:
    """One day of the view."""

    day: date
    in_range: bool  # in the month shown (always, in a week)
    today: bool
    observances: tuple[str, ...]  # their names, in the page's language
    entries: tuple[Planned, ...]
    counts: tuple[tuple[str, int], ...]  # (status, posts), statuses in their life's order
    total: int
    posts: tuple[CalendarPost, ...]

    @property
    def more(self) -> int:
        """Posts of the day not listed."""
        return self.total - len(self.posts)


@dataclass(frozen=True)
class CalendarView:
    """A month or a week of the calendar."""

    view: str  # month or week
    first: date  # the month's first day, or the week's Monday
    start: date  # the first day shown (a Monday)
    end: date  # the day after the last shown (a Monday)
    weeks: tuple[tuple[Day, ...], ...]
    previous: str  # the month (YYYY-MM) or week (YYYY-MM-DD) before, as the page's link gives it
    next: str
    today: date
    timezone: str
    total: int
    counts: tuple[tuple[str, int], ...]
    filter: Filter
    choices: Choices

    @property
    def days(self) -> tuple[Day, ...]:
        """Every day shown, in order."""
        return tuple(d for week in self.weeks for d in week)

    @property
    def param(self) -> str:
        """The query parameter naming the view's period: month or week."""
        return self.view

    @property
    def month_value(self) -> str:
        """The month to switch to from this view (YYYY-MM)."""
        return self.first.strftime("%Y-%m")

    @property
    def week_value(self) -> str:
        """The week to switch to from this view: today's if it is in the month shown, else the
        month's first."""
        if self.view == "week":
            return self.first.isoformat()
        same = (self.today.year, self.today.month) == (self.first.year, self.first.month)
        return (self.today if same else self.first).isoformat()

    @property
    def value(self) -> str:
        """The period shown, as that parameter writes it."""
        return self.first.strftime("%Y-%m") if self.view == "month" else self.first.isoformat()


@dataclass(frozen=True)
class Period:
    """The days a view covers and its neighbours."""

    view: str
    first: date
    start: date
    end: date
    previous: str
    next: str


def period(view: str, month: str, week: str, today: date) -> Period:
    """The month (``YYYY-MM``) or week (any of its days, ``YYYY-MM-DD``) asked for, today's
    when not given; whole weeks from Monday."""
    view = view or ("week" if week and not month else "month")
    if view not in VIEWS:
        raise BadFilter("view", view, "month or week")
    if view == "month":
        first = parse_month(month) if month else today.replace(day=1)
        start = first - timedelta(days=first.weekday())
        after = next_month(first)
        end = after + timedelta(days=(7 - after.weekday()) % 7)
        before = (first - timedelta(days=1)).replace(day=1)
        return Period(view, first, start, end, before.strftime("%Y-%m"),
                      after.strftime("%Y-%m"))
    day = parse_day(week, "week") if week else today
    first = day - timedelta(days=day.weekday())
    return Period(view, first, first, first + timedelta(days=7),
                  (first - timedelta(days=7)).isoformat(), (first + timedelta(days=7)).isoformat())


def day_bounds(start: date, end: date, zone: ZoneInfo) -> list[datetime]:
    """Each day's first moment (aware UTC), and the end's."""
    return [midnight(start + timedelta(days=i), zone) for i in range((end - start).days + 1)]


def _months(day: date) -> list[int]:
    """The months a post due on ``day`` (on the campaign's clocks) may be stored under:
    ``due_month`` is on each post's own clocks, and a day either side covers every offset."""
    return sorted({(day + timedelta(days=d)).month for d in (-1, 0, 1)})


_COLUMNS = (QueuedPost.id, QueuedPost.due_at, QueuedPost.timezone, QueuedPost.status,
            QueuedPost.network, Account.handle, QueuedPost.entry, QueuedPost.language,
            QueuedPost.audience, QueuedPost.kind, QueuedPost.idempotency_key)


def _post(row: Any, titles: dict[str, str]) -> CalendarPost:
    return CalendarPost(id=row.id, due_at=row.due_at, timezone=row.timezone, status=str(row.status),
                        network=row.network, handle=row.handle, entry=row.entry,
                        title=titles.get(row.entry, row.entry), language=row.language,
                        audience=row.audience, kind=row.kind, idempotency_key=row.idempotency_key)


def _bound(i: int) -> Any:
    return bindparam(f"b{i}", type_=UTCDateTime)


@functools.cache
def _count_statement(shape: tuple[str, ...], days: int) -> CompoundSelect[Any]:
    """Posts per day and status, for ``days`` days: one small range count per day (a CASE
    over the days' bounds, row by row, costs ten times more), built once per shape."""
    return union_all(*[
        select(literal_column(str(i)).label("day"), QueuedPost.status, func.count())
        .where(*template(shape), QueuedPost.due_at >= _bound(i), QueuedPost.due_at < _bound(i + 1))
        .group_by(QueuedPost.status) for i in range(days)])


@functools.cache
def _first_statement(shape: tuple[str, ...], days: int, shown: int) -> Any:
    """The first ``shown`` posts of each of ``days`` days, with their accounts."""
    parts = []
    for i in range(days):
        first = (select(QueuedPost.id, literal_column(str(i)).label("day"))
                 .where(*template(shape), QueuedPost.due_at >= _bound(i),
                        QueuedPost.due_at < _bound(i + 1),
                        QueuedPost.due_month.in_(bindparam(f"m{i}", expanding=True)))
                 .order_by(QueuedPost.due_at, QueuedPost.id).limit(shown).subquery())
        parts.append(select(first.c.id, first.c.day))
    chosen = union_all(*parts).subquery()
    return (select(*_COLUMNS, chosen.c.day).join(chosen, chosen.c.id == QueuedPost.id)
            .join(Account, Account.id == QueuedPost.account_id)
            .order_by(chosen.c.day, QueuedPost.due_at, QueuedPost.id))


def count_days(conn: Connection, where: Filter, bounds: Sequence[datetime]) -> dict[int, dict[str, int]]:
    """Posts per day (index into ``bounds``) and status."""
    params = where.params() | {f"b{i}": b for i, b in enumerate(bounds)}
    counts: dict[int, dict[str, int]] = {}
    for index, status, n in conn.execute(_count_statement(where.shape, len(bounds) - 1), params):
        counts.setdefault(int(index), {})[str(status)] = int(n)
    return counts


def first_posts(conn: Connection, where: Filter, bounds: Sequence[datetime], start: date,
                shown: int) -> dict[int, list[Any]]:
    """The first ``shown`` posts of each day (by due time), as rows with their account."""
    days = len(bounds) - 1
    params = (where.params() | {f"b{i}": b for i, b in enumerate(bounds)}
              | {f"m{i}": _months(start + timedelta(days=i)) for i in range(days)})
    found: dict[int, list[Any]] = {}
    for row in conn.execute(_first_statement(where.shape, days, shown), params):
        found.setdefault(int(row.day), []).append(row)
    return found


def planned(schedule: Schedule, where: Filter, start: date, end: date) -> dict[date, list[Occurrence]]:
    """The schedule's occurrences on each day of the range (on their own clocks), kept by the
    audience and network filters."""
    wanted = set(where.audiences)
    networks = set(where.entry_networks)
    days: dict[date, list[Occurrence]] = {}
    for occ in schedule.occurrences:
        day = occ.due.date()
        if not start <= day < end:
            continue
        if wanted and not wanted.intersection(occ.audiences):
            continue
        if networks and not networks.intersection(occ.networks):
            continue
        days.setdefault(day, []).append(occ)
    return days


def _planned(schedule: Schedule, occ: Occurrence, language: str) -> Planned:
    return Planned(entry=occ.entry.id, title=localized(occ.entry.title, language),
                   kind=occ.entry.kind, part=occ.entry.part, due=occ.due, networks=occ.networks,
                   audiences=audience_summary(schedule, occ), day_bound=occ.day_bound)


def calendar(store: Store, schedule: Schedule, asked: Asked, *, view: str = "", month: str = "",
             week: str = "", today: date, language: str) -> CalendarView:
    """The month or week asked for, with the filters ``asked`` (their month and day are the
    queue list's, not the calendar's: left out), titles in ``language``."""
    span = period(view, month, week, today)
    zone = ZoneInfo(schedule.campaign.timezone)
    bounds = day_bounds(span.start, span.end, zone)
    with store._reading() as conn:  # one snapshot: the counts and the lists agree
        accounts = named_accounts(conn)
        where = check(replace(asked, month="", day=""), schedule, accounts).within(bounds[0], bounds[-1])
        counts = count_days(conn, where, bounds)
        rows = first_posts(conn, where, bounds, span.start, SHOWN[span.view])
    titles = entry_titles(schedule, language)
    occurrences = planned(schedule, where, span.start, span.end)
    order = {s.value: i for i, s in enumerate(STATUSES)}
    days: list[Day] = []
    totals: dict[str, int] = {}
    for index in range((span.end - span.start).days):
        day = span.start + timedelta(days=index)
        by_status = counts.get(index, {})
        for status, n in by_status.items():
            totals[status] = totals.get(status, 0) + n
        occs = occurrences.get(day, [])
        days.append(Day(
            day=day, in_range=span.view == "week" or day.month == span.first.month,
            today=day == today,
            observances=tuple(localized(o.entry.title, language) for o in occs
                              if o.entry.kind == "observance"),
            entries=tuple(_planned(schedule, o, language) for o in occs
                          if o.entry.kind != "observance"),
            counts=tuple(sorted(by_status.items(), key=lambda kv: order.get(kv[0], 99))),
            total=sum(by_status.values()),
            posts=tuple(_post(r, titles) for r in rows.get(index, []))))
    return CalendarView(
        view=span.view, first=span.first, start=span.start, end=span.end,
        weeks=tuple(tuple(days[i:i + 7]) for i in range(0, len(days), 7)),
        previous=span.previous, next=span.next, today=today, timezone=schedule.campaign.timezone,
        total=sum(totals.values()),
        counts=tuple(sorted(totals.items(), key=lambda kv: order.get(kv[0], 99))),
        filter=where, choices=choices(schedule, accounts, language))

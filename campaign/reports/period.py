"""The period of a report: its buckets (days, weeks from Monday, months), the whole-year
query, and the calendar's observance days within it. Days are UTC days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from campaign.errors import CampaignError
from campaign.reports.model import Observance, ReportQuery


def year_query(year: int, **filters: Any) -> ReportQuery:
    """A report of the whole year (1 January to 31 December), by month unless told."""
    filters.setdefault("bucket", "month")
    return ReportQuery(start=date(year, 1, 1), end=date(year, 12, 31), **filters)


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the bucket holding ``day``: itself, its week's Monday, its month's 1st."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def buckets(query: ReportQuery) -> list[date]:
    """Every bucket of the period, empty ones included, so a chart's gaps show as zeros."""
    found, day = [], bucket_start(query.start, query.bucket)
    while day <= query.end:
        found.append(day)
        if query.bucket == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if query.bucket == "week" else 1)
    return found




def observances(schedule: Any, language: str, start: date | None = None,
                end: date | None = None) -> tuple[Observance, ...]:
    """The calendar's observance days (within the period when given), titles in ``language``."""
    if schedule is None:
        return ()
    found = []
    for occurrence in schedule.occurrences:
        entry = occurrence.entry
        if entry.kind != "observance":
            continue
        day = occurrence.due.date()
        if (start and day < start) or (end and day > end):
            continue
        title = entry.title.get(language) or entry.title.get("en") or next(
            iter(entry.title.values()), entry.id)
        found.append(Observance(entry.id, day, title))
    found.sort(key=lambda o: (o.day, o.id))
    return tuple(found)


@lru_cache(maxsize=4)
def builtin_calendar(year: int) -> Any:
    """The built-in calendar moved to ``year`` (its observance days), None when it cannot be."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    try:
        return load_schedule(builtin_schedule(), year=year)
    except CampaignError:
        return None





def day_start(day: date) -> datetime:
    """Midnight UTC starting ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)

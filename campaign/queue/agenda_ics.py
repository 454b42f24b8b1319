"""The calendar page's period as an iCalendar file (RFC 5545, through the icalendar library, as
``campaign export --format ics`` writes): the schedule's entries and the queue's posts of the
month or week, with the page's filters.

The file is bounded: a period holding more posts than ``MAX_POSTS`` is refused with a sentence
saying how to narrow it, never cut short without a word. UIDs are stable (an entry's id and
day, a post's idempotency key), so importing the file again updates the events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select

from campaign import __version__
from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.platforms.registry import display_name
from campaign.queue.agenda import period, planned
from campaign.queue.filters import Asked, check, entry_titles, localized, midnight, named_accounts, next_month
from campaign.queue.models import Account, QueuedPost
from campaign.queue.store import Store

MAX_POSTS: Final = 2000
POST_MINUTES: Final = 15


class TooManyForFile(CampaignError):
    """The period holds more posts than a calendar file is made for."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"this period holds more than {limit:,} posts, more than a calendar "
                         "file is made for: narrow it with a filter (account, network, language, "
                         "audience or status) or take a week")


def calendar_ics(store: Store, schedule: Schedule, asked: Asked, *, view: str = "", month: str = "",
                 week: str = "", today: date, language: str,
                 words: Mapping[str, str] | None = None) -> bytes:
    """The period's entries and posts as an iCalendar file; statuses named by ``words``
    (the page's language), entries' titles in ``language``."""
    from icalendar import Calendar, Event

    span = period(view, month, week, today)
    # the month itself (the page's grid shows the weeks around it too), or the week
    first, end = ((span.first, next_month(span.first)) if span.view == "month"
                  else (span.start, span.end))
    zone = ZoneInfo(schedule.campaign.timezone)
    bounds = [midnight(first, zone), midnight(end, zone)]
    columns = (QueuedPost.id, QueuedPost.idempotency_key, QueuedPost.due_at, QueuedPost.timezone,
               QueuedPost.status, QueuedPost.network, QueuedPost.entry, QueuedPost.language,
               QueuedPost.audience, QueuedPost.text, QueuedPost.remote_url, Account.handle)
    with store._reading() as conn:
        where = check(replace(asked, month="", day=""), schedule,
                      named_accounts(conn)).within(bounds[0], bounds[-1])
        rows = list(conn.execute(select(*columns).join(Account, Account.id == QueuedPost.account_id)
                                 .where(*where.conditions())
                                 .order_by(QueuedPost.due_at, QueuedPost.id).limit(MAX_POSTS + 1)))
    if len(rows) > MAX_POSTS:
        raise TooManyForFile(MAX_POSTS)
    names = dict(words or {})
    campaign = schedule.campaign
    cal = Calendar()
    cal.add("prodid", f"-//campaign {__version__}//{campaign.id} dashboard//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{campaign.hashtag} ({span.first.isoformat()})")
    stamp = bounds[0]  # the same file for the same data: calendars see no change
    for day, occurrences in sorted(planned(schedule, where, first, end).items()):
        for occ in occurrences:
            event = Event()
            event.add("uid", f"{occ.entry.id}-{day.isoformat()}@{campaign.id}.campaign")
            event.add("dtstamp", stamp)
            if occ.entry.kind == "observance":  # a day, not a moment
                event.add("dtstart", day)
                event.add("dtend", day + timedelta(days=1))
            else:
                event.add("dtstart", occ.due)
                event.add("dtend", occ.due + timedelta(minutes=30))
            event.add("summary", localized(occ.entry.title, language))
            event.add("categories", [occ.entry.kind, occ.entry.part])
            event.add("url", campaign.site)
            cal.add_component(event)
    titles = entry_titles(schedule, language)
    for row in rows:
        due = row.due_at.astimezone(ZoneInfo(row.timezone))
        status = names.get(str(row.status), str(row.status))
        event = Event()
        event.add("uid", f"{row.idempotency_key}@{campaign.id}.queue")
        event.add("dtstamp", stamp)
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(minutes=POST_MINUTES))
        event.add("summary", f"{display_name(row.network)} {row.handle} · "
                             f"{titles.get(row.entry, row.entry)} ({status})")
        event.add("description", row.text)
        event.add("categories", [row.network, row.language, row.audience, str(row.status)])
        if row.remote_url:
            event.add("url", row.remote_url)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())

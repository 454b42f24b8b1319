"""iCalendar (RFC 5545) export through the icalendar library: one event per post.

UIDs derive from each post's stable key, so importing the file again into a calendar updates the
events instead of duplicating them. The key names the year a moved calendar runs in (``--year``),
so another year's calendar imports beside this one's, while the file's own year keeps its UIDs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from campaign import __version__
from campaign.atomic import atomic_open
from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.platforms.registry import display_name


def event_uid(post: RenderedPost) -> str:
    """A UID that stays the same for the same post (and year) whenever the file is generated."""
    digest = hashlib.sha256(post.key.encode("utf-8")).hexdigest()[:32]
    return f"{digest}@{post.campaign}.campaign"


def write_ics(posts: Sequence[RenderedPost], schedule: Schedule, out: Path) -> None:
    """Write the posts as a calendar with timezone definitions for every TZID used."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//campaign {__version__}//{schedule.campaign.id}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{schedule.campaign.hashtag} ({schedule.campaign.year})")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for post in posts:
        event = Event()
        event.add("uid", event_uid(post))
        event.add("dtstamp", stamp)
        event.add("dtstart", post.due)
        event.add("dtend", post.due + timedelta(minutes=15))
        event.add("summary", f"{display_name(post.network)} · {post.title} "
                             f"({post.audience}, {post.language})")
        event.add("description", "\n\n".join(post.parts))
        event.add("categories", [post.network, post.language, post.audience, post.kind])
        event.add("url", schedule.campaign.site)
        cal.add_component(event)
    cal.add_missing_timezones()
    with atomic_open(out, newline="") as handle:
        handle.write(cal.to_ical().decode("utf-8"))

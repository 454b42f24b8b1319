"""A queue as a team would see it in June 2021, made with the library's own paths: the built-in
campaign's June posts planned on three outbox accounts (as ``make demo`` does), then a runner's
pass at the first post's time where X refuses, Bluesky is rate limited and Mastodon refuses the
credentials (stopping the account), then a pass later that marks late posts missed, and one
post edited to carry hostile text. The calendar, queue and health tests share it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from campaign.content.selection import Selection, Source
from campaign.platforms.base import AuthFailed, Claimed, PublishError, RateLimited, Refused
from campaign.platforms.memory import MemoryPublisher
from campaign.queue.models import Status
from campaign.queue.planner import plan_from_schedule
from campaign.queue.runner import Dispatcher, Policy
from campaign.queue.store import Store

HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
HANDLES = {"x": "demo_x", "bluesky": "demo.test", "mastodon": "demo-mastodon"}
REFUSED = "X refused the post: duplicate content"
RATE_LIMIT = "Bluesky rate limit: too many requests"
CREDENTIALS = "the token was revoked"


@dataclass(frozen=True)
class Seeded:
    """What the seed made: ids to look at and the moments it used."""

    posts: int
    first_due: datetime
    paused_until: datetime
    failed: list[int]
    missed: list[int]
    hostile: int
    rate_limited: int  # the post whose attempt met the rate limit
    published: list[int]


def _fail(post: Claimed, reset: datetime) -> PublishError | None:
    if post.network == "x" and post.language == "fr":
        return Refused(REFUSED)
    if post.network == "bluesky":
        return RateLimited(RATE_LIMIT, reset)
    if post.network == "mastodon":
        return AuthFailed(CREDENTIALS)
    return None


def seed(store: Store, folder: Path) -> Seeded:
    """Plan June 2021 in every language and audience on three outbox accounts and run it."""
    outbox = f"outbox:{folder / 'outbox.jsonl'}"
    for network, handle in HANDLES.items():
        store.add_account(network, handle, outbox)
    outcome = plan_from_schedule(store, Source(), Selection(months=(6,)),
                                 [f"{n}={h}" for n, h in HANDLES.items()])
    first = store.posts(limit=1)[0].due_at
    reset = first + timedelta(minutes=20)
    publisher = MemoryPublisher(fail=lambda post: _fail(post, reset))
    Dispatcher(store, lambda post: publisher, worker="runner-1", policy=Policy(),
               clock=lambda: first + timedelta(minutes=1)).run_once()
    # the next day with posts, six hours and a minute after its time: it is missed
    later = next(p.due_at for p in store.posts() if p.due_at.date() > first.date())
    store.expire(later + timedelta(hours=6, minutes=1), timedelta(hours=6), actor="runner-1")
    waiting = store.posts(statuses=[Status.SCHEDULED], networks=["x"], limit=1)[0]
    store.transition([waiting.id], Status.SCHEDULED, actor="eli", detail="edited",
                     before={"text": waiting.text}, after={"text": HOSTILE},
                     text=HOSTILE, parts_json=json.dumps([HOSTILE]))
    return Seeded(posts=outcome.report.added, first_due=first, paused_until=reset,
                  failed=[p.id for p in store.posts(statuses=[Status.FAILED])],
                  missed=[p.id for p in store.posts(statuses=[Status.MISSED])],
                  hostile=waiting.id,
                  rate_limited=next(p.id for p in store.posts(networks=["bluesky"])
                                    if any(RATE_LIMIT in e.detail for e in store.events(p.id))),
                  published=[p.id for p in store.posts(statuses=[Status.PUBLISHED])])

"""Tracked posts for the tracking pages' tests: the reports' sample year (tests/reports) and
two collected posts whose texts are hostile, engaged enough to top the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaign.content.schedule import Schedule
from campaign.tracking.records import Author, Observation, PostKind
from campaign.tracking.store import TrackStore
from tests.reports.conftest import store_year
from tests.reports.sample import HOSTILE, SCRIPT

HOSTILE_TEXTS = (HOSTILE, SCRIPT)


def hostile_posts() -> list[Observation]:
    """Two posts of 12 June 2021 by one author, with hostile texts and many likes."""
    author = Author("x", "999", "hostile_one", display_name=f"Hostile {HOSTILE}", followers=10)
    found = []
    for n, text in enumerate(HOSTILE_TEXTS):
        created = datetime(2021, 6, 12, 10, n, tzinfo=UTC)
        found.append(Observation(
            network="x", remote_id=f"x-hostile-{n}", author=author, created_at=created,
            text=text, read_at=created + timedelta(hours=1), kind=PostKind.ORIGINAL,
            url="javascript:alert(1)" if n else f"https://example.org/x/hostile-{n}",
            language="en", hashtags=("endchildlabour2021",), relations=(),
            metrics={"likes": 5000 + n, "reposts": 10, "replies": 1, "quotes": 0},
            raw={"id": n}))
    return found


def store_tracked(url: str, schedule: Schedule) -> None:
    """The sample year's pledges and posts, and the hostile posts, in the database at ``url``."""
    store_year(url, schedule)
    tracks = TrackStore(url)
    try:
        tracks.save_posts("fixture", hostile_posts())
    finally:
        tracks.close()

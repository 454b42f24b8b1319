"""The searchPosts collector stops once caught up whatever the clock's microseconds: checkpoints
keep milliseconds, and an end finer than them was never reached (the walk asked forever)."""

from __future__ import annotations

from datetime import timedelta

from campaign.platforms.bluesky.search import SearchPosts
from campaign.tracking.collect import collect
from campaign.tracking.store import RunStatus, TrackStore
from tests.servers.appview import AppviewDouble
from tests.tracking.test_bluesky_search import NOW, appview, searched, seed, spec

__all__ = ["appview"]  # the fixture, used by name


def test_a_clock_with_microseconds_ends_the_run(tracks: TrackStore,
                                                appview: AppviewDouble) -> None:
    seed(appview, 30, step=timedelta(hours=1))
    now = NOW + timedelta(microseconds=123_456)
    source = SearchPosts(spec(appview), clock=lambda: now)
    outcome = collect(tracks, source, sleep=lambda seconds: None)
    assert (outcome.run.status, tracks.count_posts("bluesky")) == (RunStatus.OK, 30)
    assert len(searched(appview)) <= 12  # 8 daily windows and their last pages, not thousands

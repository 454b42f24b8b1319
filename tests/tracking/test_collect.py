"""The collect loop every source runs under, with a source kept in memory: pages stored with
their checkpoints, resumed after failures and stops, rate limits waited within bounds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from campaign.platforms.base import AuthFailed, RateLimited, Transient
from campaign.tracking.collect import Context, Policy, clamp_wait, collect
from campaign.tracking.records import Page
from campaign.tracking.store import RunStatus, TrackStore
from tests.tracking.conftest import T0, make_post


@dataclass
class Listed:
    """A source of ``count`` posts in pages of ``size``, checkpointed by position; it raises
    ``faults[n]`` instead of giving page n the first time page n is asked for."""

    count: int
    size: int = 10
    faults: dict[int, Exception] = field(default_factory=dict)
    asked: list[int] = field(default_factory=list)  # the position each call started from
    closed: int = 0
    name: str = "memory:test"
    network: str = "x"

    def pages(self, context: Context) -> Iterator[Page]:
        start = int(context.checkpoints.get("all", {}).get("next", 0))
        self.asked.append(start)
        left = context.limit
        for first in range(start, self.count, self.size):
            number = first // self.size
            if number in self.faults:
                raise self.faults.pop(number)
            last = min(first + self.size, self.count)
            if left is not None:  # the limit is for the whole call, not a page
                last = min(last, first + left)
                left -= last - first
            posts = [make_post(n) for n in range(first, last)]
            yield Page(posts, ("all", {"next": last}), read=len(posts))

    def close(self) -> None:
        self.closed += 1


def _ids(tracks: TrackStore) -> int:
    return tracks.count_posts()


def test_every_page_is_stored_with_its_checkpoint(tracks: TrackStore) -> None:
    source = Listed(35)
    outcome = collect(tracks, source)
    assert (outcome.exit_code, outcome.run.status, outcome.run.stored) == (0, RunStatus.OK, 35)
    assert tracks.checkpoints("memory:test") == {"all": {"next": 35}}
    assert source.closed == 1
    again = collect(tracks, Listed(40))
    assert (again.run.stored, again.run.read) == (5, 5)  # only what came since


def test_a_stop_between_pages_resumes_with_nothing_lost_or_doubled(tracks: TrackStore) -> None:
    stopping = threading.Event()

    def stop_after_two(page: Page, saved: object, totals: object) -> None:
        if page.checkpoint and page.checkpoint[1]["next"] >= 20:
            stopping.set()

    first = collect(tracks, Listed(50), stopping=stopping, on_page=stop_after_two)
    assert (first.exit_code, first.run.status, _ids(tracks)) == (0, RunStatus.INTERRUPTED, 20)
    second = collect(tracks, Listed(50))
    assert (second.run.stored, second.run.updated, _ids(tracks)) == (30, 0, 50)


@pytest.mark.parametrize("fault", [
    pytest.param(Transient("server error 503"), id="transient"),
    pytest.param(RateLimited("rate limit", T0 + timedelta(minutes=3)), id="rate-limited"),
])
def test_a_passing_failure_is_retried_from_the_stored_checkpoint(
        tracks: TrackStore, fault: Exception) -> None:
    slept: list[float] = []
    source = Listed(30, faults={2: fault})
    outcome = collect(tracks, source, sleep=slept.append, clock=lambda: T0)
    assert (outcome.exit_code, outcome.run.stored, _ids(tracks)) == (0, 30, 30)
    assert source.asked == [0, 20]  # asked again from where the stored pages ended
    assert slept == ([180.0] if isinstance(fault, RateLimited) else [2.0])


@pytest.mark.parametrize(("reset", "expected"), [
    pytest.param(T0 - timedelta(hours=1), timedelta(seconds=5), id="reset-in-the-past"),
    pytest.param(T0 + timedelta(days=300), timedelta(minutes=15), id="reset-far-away"),
    pytest.param(None, timedelta(seconds=30), id="no-reset-given"),
])
def test_rate_limit_waits_are_bounded(reset: datetime | None, expected: timedelta) -> None:
    assert clamp_wait(reset, T0, Policy()) == expected


def test_too_many_waits_fail_the_run_and_keep_what_was_stored(tracks: TrackStore) -> None:
    class Limited(Listed):
        def pages(self, context: Context) -> Iterator[Page]:
            yield from super().pages(context)
            raise RateLimited("X rate limit: Too Many Requests", None)

    outcome = collect(tracks, Limited(10), sleep=lambda s: None,
                      policy=Policy(max_waits=2))
    assert (outcome.exit_code, outcome.run.status) == (1, RunStatus.FAILED)
    assert "waited 2 times" in outcome.run.message and _ids(tracks) == 10


def test_refused_credentials_fail_at_once(tracks: TrackStore) -> None:
    source = Listed(30, faults={1: AuthFailed("X refused the credentials: Unauthorized")})
    outcome = collect(tracks, source, sleep=lambda s: pytest.fail("must not wait"))
    assert (outcome.exit_code, outcome.run.status, _ids(tracks)) == (1, RunStatus.FAILED, 10)
    assert outcome.run.message == "X refused the credentials: Unauthorized"


def test_max_posts_caps_what_is_read(tracks: TrackStore) -> None:
    outcome = collect(tracks, Listed(100), max_posts=25)
    assert (outcome.capped, outcome.run.read, _ids(tracks)) == (True, 25, 25)
    assert "--max-posts 25" in outcome.run.message


def test_ctrl_c_closes_the_run_and_goes_on_up(tracks: TrackStore) -> None:
    def interrupt(page: Page, saved: object, totals: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        collect(tracks, Listed(30), on_page=interrupt)
    (run,) = tracks.runs()
    assert (run.status, run.stored) == (RunStatus.INTERRUPTED, 10)




def test_an_unexpected_error_closes_the_run_as_failed_and_goes_on_up(tracks: TrackStore) -> None:
    # a bug, or the database gone: the log must not show a dead run as running for 15 minutes
    source = Listed(30, faults={1: LookupError("a bug")})
    with pytest.raises(LookupError):
        collect(tracks, source)
    (run,) = tracks.runs()
    assert (run.status, run.stored, run.message) == (RunStatus.FAILED, 10,
                                                     "stopped by an error: LookupError")
    assert source.closed == 1

"""`campaign track run`'s runner: every source once (--once), or each on its own interval under
APScheduler, one at a time in the main thread; driven here without sleeping."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from campaign.platforms.base import AuthFailed
from campaign.tracking.collect import Context
from campaign.tracking.records import Page
from campaign.tracking.runner import TrackRunner, stop_on_signals
from campaign.tracking.sources import SourceSpec
from campaign.tracking.store import RunStatus, TrackStore
from tests.tracking.conftest import make_post


class ListSource:
    """A real Source over posts held in memory: pages of ``size``, resumed from its checkpoint."""

    def __init__(self, spec: SourceSpec, posts: int = 6, size: int = 2,
                 fail_after: int | None = None, on_page: object = None) -> None:
        self.spec, self.posts, self.size = spec, posts, size
        self.fail_after, self.on_page = fail_after, on_page
        self.contexts: list[Context] = []

    @property
    def name(self) -> str:
        return self.spec.source_name

    @property
    def network(self) -> str:
        return self.spec.network

    def pages(self, context: Context) -> Iterator[Page]:
        self.contexts.append(context)
        start = context.checkpoints.get("all", {}).get("next", 0)
        for first in range(start, self.posts, self.size):
            if self.fail_after is not None and first >= self.fail_after:
                raise AuthFailed(f"{self.spec.base_url} refused the token: renew it")
            last = min(first + self.size, self.posts)
            yield Page([make_post(n, network=self.network, author=f"{self.name}-a")
                        for n in range(first + 1000 * self.key, last + 1000 * self.key)],
                       checkpoint=("all", {"next": last}), read=last - first)
            if callable(self.on_page):
                self.on_page()

    @property
    def key(self) -> int:
        return int(self.spec.base_url.rsplit(".", 1)[0][-1])

    def close(self) -> None:
        pass


def spec(n: int, every: timedelta | None = None) -> SourceSpec:
    return SourceSpec("mastodon-tags", f"https://i{n}.example", ("endchildlabour2021",),
                      every=every)


SPECS = [spec(1, timedelta(minutes=15)), spec(2, timedelta(hours=1)), spec(3)]


def test_once_runs_every_source_and_one_failing_does_not_stop_the_others(
        tracks: TrackStore) -> None:
    sources = {1: {}, 2: {"fail_after": 2}, 3: {}}
    runner = TrackRunner(tracks, SPECS,
                         build_source=lambda s: ListSource(s, **sources[int(s.base_url[9])]))
    results = runner.run_once()
    assert [r.failed for r in results] == [False, True, False]
    assert "refused the token" in results[1].message
    assert tracks.count_posts() == 6 + 2 + 6  # the failed source's first page stays
    assert [r.status for r in tracks.runs()] .count(RunStatus.OK) == 2


def test_a_source_that_cannot_be_built_fails_alone(tracks: TrackStore) -> None:
    from campaign.errors import CampaignError

    def build(s: SourceSpec) -> ListSource:
        if s.base_url.endswith("i1.example"):
            raise CampaignError("options.window: '9x' is not a duration: write e.g. 6h")
        return ListSource(s)

    results = TrackRunner(tracks, SPECS, build_source=build).run_once()
    assert [r.failed for r in results] == [True, False, False]
    assert results[0].message.startswith("options.window")


def test_a_collector_refusing_an_option_fails_its_source_in_a_sentence(
        tracks: TrackStore) -> None:
    def build(s: SourceSpec) -> ListSource:
        if s.base_url.endswith("i2.example"):
            raise ValueError("window_hours must be more than 0")  # as SearchPosts does
        return ListSource(s)

    results = TrackRunner(tracks, SPECS, build_source=build).run_once()
    assert [r.failed for r in results] == [False, True, False]
    assert results[1].message == (
        "mastodon-tags:https://i2.example cannot be set up with its options (window_hours must "
        "be more than 0): see docs/tracking.md")


def test_a_stop_ends_the_run_after_the_page_in_flight_and_the_next_run_resumes(
        tracks: TrackStore) -> None:
    runner: TrackRunner

    def build(s: SourceSpec) -> ListSource:
        return ListSource(s, on_page=runner.stop)

    runner = TrackRunner(tracks, SPECS, build_source=build)
    (result,) = runner.run_once()  # stopped during the first source: the others wait
    assert not result.failed and result.outcome is not None
    assert result.outcome.run.status is RunStatus.INTERRUPTED
    assert tracks.count_posts() == 4  # the stop came while the second page was read
    again = TrackRunner(tracks, SPECS, build_source=ListSource).run_once()
    assert [r.outcome.run.stored for r in again if r.outcome] == [2, 6, 6]
    assert tracks.count_posts() == 18  # every post once


def test_streams_run_in_catch_up_mode(tracks: TrackStore) -> None:
    built: list[ListSource] = []

    def build(s: SourceSpec) -> ListSource:
        built.append(ListSource(s))
        return built[-1]

    TrackRunner(tracks, [SPECS[0]], build_source=build).run_once()
    assert built[0].contexts and not any(c.follow for c in built[0].contexts)


def test_a_turn_that_comes_while_one_is_pending_is_folded_into_it(tracks: TrackStore) -> None:
    names: list[str] = []
    runner = TrackRunner(tracks, SPECS, build_source=ListSource,
                         on_result=lambda r: names.append(r.spec.source_name))
    for n in (2, 1, 2, 2):
        runner.due(SPECS[n - 1].source_name)
    runner.run_pending()
    assert names == [SPECS[1].source_name, SPECS[0].source_name]
    assert runner.run_pending() == []


def test_each_source_gets_an_interval_job_its_first_turn_at_once(tracks: TrackStore) -> None:
    from datetime import UTC, datetime

    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")
    now = datetime(2021, 6, 12, 8, tzinfo=UTC)
    TrackRunner(tracks, SPECS, build_source=ListSource).schedule(scheduler, now)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert {name: jobs[name].trigger.interval for name in jobs} == {
        SPECS[0].source_name: timedelta(minutes=15), SPECS[1].source_name: timedelta(hours=1),
        SPECS[2].source_name: timedelta(minutes=15)}  # the default
    assert all(j.next_run_time == now for j in jobs.values())
    jobs[SPECS[0].source_name].func(*jobs[SPECS[0].source_name].args)  # the job only queues


def test_run_collects_every_source_under_the_scheduler_until_stopped(tracks: TrackStore) -> None:
    runner: TrackRunner
    done: list[str] = []

    def on_result(result: object) -> None:
        done.append(getattr(result, "spec").source_name)  # noqa: B009
        if len(done) == len(SPECS):
            runner.stop()

    runner = TrackRunner(tracks, SPECS, build_source=ListSource, on_result=on_result)
    worker = threading.Thread(target=runner.run, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the runner did not stop"
    assert sorted(done) == sorted(s.source_name for s in SPECS)
    assert tracks.count_posts() == 18


def test_sigterm_calls_stop_and_the_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    stopped = threading.Event()
    with stop_on_signals(stopped.set):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stopped.wait(5)
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize("signum", [pytest.param(signal.SIGINT, id="ctrl-c")])
def test_a_second_ctrl_c_interrupts_at_once(signum: int) -> None:
    stopped = threading.Event()
    with stop_on_signals(stopped.set), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signum)
        assert stopped.wait(5)
        os.kill(os.getpid(), signum)
        threading.Event().wait(5)  # the signal arrives here; never waits the whole time

"""Bluesky's searchPosts collector through collect(), against the appview double on 127.0.0.1,
into SQLite and PostgreSQL: time windows, the cursor and its cap, resuming, one session."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml

from campaign.platforms.bluesky.search import SearchPosts, forget_sessions
from campaign.platforms.credentials import Secrets
from campaign.tracking.collect import Outcome, collect
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import RunStatus, TrackStore
from tests.conftest import REFERENCE
from tests.servers.appview import CREATE, SEARCH, AppviewDouble

TAG = "endchildlabour2021"
SINCE = datetime(2021, 6, 12, tzinfo=UTC)
NOW = datetime(2021, 6, 20, tzinfo=UTC)
PASSWORD = "abcd-efgh-ijkl-mnop"
HANDLE = "secretariat.bsky.social"


@pytest.fixture
def appview() -> Iterator[AppviewDouble]:
    with AppviewDouble() as double:
        double.add_account(HANDLE, PASSWORD)
        yield double
        assert double.errors == []
    forget_sessions()


def spec(appview: AppviewDouble, *, password: str = PASSWORD, tags: tuple[str, ...] = (TAG,),
         since: datetime = SINCE, **options: Any) -> SourceSpec:
    return SourceSpec("bluesky-search", appview.base_url, tags, handle=HANDLE,
                      secrets=Secrets({"app_password": password}), since=since, options=options)


def run(tracks: TrackStore, source: SearchPosts | SourceSpec, now: datetime = NOW,
        **kwargs: Any) -> Outcome:
    if isinstance(source, SourceSpec):
        source = SearchPosts(source, clock=lambda: now)
    kwargs.setdefault("sleep", lambda seconds: None)
    return collect(tracks, source, **kwargs)


def searched(appview: AppviewDouble, start: int = 0) -> list[dict[str, Any]]:
    """The searchPosts requests' parameters (single values, `tag` as a list)."""
    return [{k: v if k == "tag" else v[0] for k, v in r.query.items()}
            for r in appview.search_requests()[start:]]


def seed(appview: AppviewDouble, count: int, start: datetime = SINCE,
         step: timedelta = timedelta(minutes=30)) -> None:
    appview.seed(count, tag="EndChildLabour2021", start=start, step=step)


def test_windows_and_cursor_read_every_post_once(tracks: TrackStore,
                                                 appview: AppviewDouble) -> None:
    seed(appview, 1000, step=timedelta(minutes=10))  # 144 a day from June 12: 6.9 days
    appview.add_post("other #LabourDay", SINCE + timedelta(hours=1))
    appview.add_post("no tag, EndChildLabour2021 in words", SINCE + timedelta(hours=2))
    outcome = run(tracks, spec(appview))
    assert outcome.exit_code == 0 and outcome.run.status is RunStatus.OK
    assert tracks.count_posts("bluesky") == 1000 and outcome.run.stored == 1000
    calls = searched(appview)
    assert {c["sort"] for c in calls} == {"latest"} and {c["limit"] for c in calls} == {"100"}
    assert all(c["tag"] == [TAG] and c["q"] == f"#{TAG}" for c in calls)
    days = [f"2021-06-{d}T00:00:00.000Z" for d in range(12, 21)]
    assert sorted({c["since"] for c in calls}) == days[:-1]  # one window a day
    assert {c["until"] for c in calls} >= set(days[1:])
    assert sum("cursor" in c for c in calls) >= 6  # 144 posts a day: a window takes 2 pages
    state = tracks.checkpoints(spec(appview).source_name)[TAG]
    assert state == {"done_until": "2021-06-20T00:00:00.000Z", "window": None}
    post = tracks.post("bluesky", "at://did:plc:author0/app.bsky.feed.post/3l00000000001")
    assert post is not None and post["author_handle"] == "author0.bsky.social"
    assert post["hashtags"] == [TAG]


def test_a_window_past_the_cursor_cap_is_read_whole(tracks: TrackStore) -> None:
    with AppviewDouble(cursor_cap=150) as appview:
        appview.add_account(HANDLE, PASSWORD)
        seed(appview, 420, start=SINCE + timedelta(hours=1), step=timedelta(minutes=2))
        outcome = run(tracks, spec(appview, window_hours=24), now=SINCE + timedelta(days=1))
        assert outcome.exit_code == 0
        assert tracks.count_posts("bluesky") == 420
        untils = [c["until"] for c in searched(appview) if "cursor" not in c]
        assert len(untils) >= 3  # the window, then twice below its oldest post seen
        assert untils[0] == "2021-06-13T00:00:00.000Z" and untils == sorted(untils, reverse=True)
        assert appview.errors == []
    forget_sessions()


def test_the_posts_of_one_millisecond_across_the_cap_are_all_kept(tracks: TrackStore) -> None:
    # 95 newer posts, 10 sharing one millisecond T, 45 older: the cursor stops after 100, in the
    # middle of T's posts; the walk below T must keep the 5 of T it had not reached
    with AppviewDouble(cursor_cap=100) as appview:
        appview.add_account(HANDLE, PASSWORD)
        at = SINCE + timedelta(hours=2)
        seed(appview, 45, start=SINCE + timedelta(hours=1), step=timedelta(seconds=10))
        for i in range(10):
            appview.add_post(f"same {i} #EndChildLabour2021", at, indexed_at=at, rkey=f"same{i}")
        seed(appview, 95, start=at + timedelta(seconds=1), step=timedelta(seconds=10))
        outcome = run(tracks, spec(appview), now=SINCE + timedelta(days=1))
        assert outcome.exit_code == 0 and outcome.run.bad == 0
        assert tracks.count_posts("bluesky") == 150
        assert searched(appview)[1]["until"] == "2021-06-12T02:00:00.001Z"
    forget_sessions()


class _SameCursor(AppviewDouble):
    """An appview that answers every page with the cursor it was given (or "100")."""

    def _search(self, request: Any) -> Any:
        answer = super()._search(request)
        if isinstance(answer.body, dict) and answer.body.get("posts"):
            answer.body["cursor"] = request.arg("cursor") or "100"
        return answer


def test_a_cursor_given_back_unchanged_ends_the_walk(tracks: TrackStore) -> None:
    with _SameCursor() as appview:
        appview.add_account(HANDLE, PASSWORD)
        seed(appview, 150, start=SINCE + timedelta(hours=1), step=timedelta(minutes=1))
        stopping, pages = threading.Event(), []

        def on_page(*_: Any) -> None:  # a loop is stopped, and the test fails, not hangs
            pages.append(1)
            if len(pages) >= 50:
                stopping.set()

        outcome = run(tracks, spec(appview), now=SINCE + timedelta(days=1), stopping=stopping,
                      on_page=on_page)
        assert outcome.run.status is RunStatus.OK and len(pages) < 50
        assert tracks.count_posts("bluesky") == 150
    forget_sessions()


def test_a_second_run_reads_only_new_windows(tracks: TrackStore, appview: AppviewDouble) -> None:
    seed(appview, 100, step=timedelta(hours=1))
    first = run(tracks, spec(appview))
    assert first.run.stored == 100
    seen = len(appview.search_requests())
    seed(appview, 30, start=NOW + timedelta(minutes=1), step=timedelta(hours=1))
    second = run(tracks, spec(appview), now=NOW + timedelta(days=2))
    assert second.run.stored == 30
    assert tracks.count_posts() == 130
    later = searched(appview, seen)
    assert min(c["since"] for c in later) == "2021-06-19T23:55:00.000Z"  # 5 minutes' overlap
    assert len(later) <= 6


@pytest.mark.parametrize("how", [pytest.param("stop", id="sigterm"),
                                 pytest.param("ctrl-c", id="ctrl-c")])
def test_interrupted_mid_window_resumes_at_its_cursor(tracks: TrackStore, appview: AppviewDouble,
                                                      how: str) -> None:
    seed(appview, 300, step=timedelta(minutes=3))  # 15 hours: one window, 3 pages and more
    stopping = threading.Event()
    pages = []

    def on_page(*args: Any) -> None:
        pages.append(args)
        if len(pages) == 2:
            if how == "stop":
                stopping.set()
            else:
                raise KeyboardInterrupt

    source = spec(appview)
    if how == "stop":
        first = run(tracks, source, stopping=stopping, on_page=on_page)
        assert first.run.status is RunStatus.INTERRUPTED and first.exit_code == 0
    else:
        with pytest.raises(KeyboardInterrupt):
            run(tracks, source, on_page=on_page)
    assert tracks.count_posts() == 200
    state = tracks.checkpoints(source.source_name)[TAG]
    assert state["window"]["cursor"] == "200"
    seen = len(appview.search_requests())
    second = run(tracks, source)
    assert searched(appview, seen)[0]["cursor"] == "200"
    assert second.run.stored == 100
    assert tracks.count_posts() == 300


@pytest.mark.parametrize("status", [pytest.param(400, id="expired-400"),
                                    pytest.param(401, id="expired-401")])
def test_one_session_over_two_runs_refreshed_on_expiry(tracks: TrackStore,
                                                       appview: AppviewDouble,
                                                       status: int) -> None:
    appview.expired_status = status
    seed(appview, 40, step=timedelta(hours=4))
    assert run(tracks, spec(appview)).exit_code == 0
    appview.expire_access_tokens()
    seed(appview, 5, start=NOW + timedelta(hours=1))
    second = run(tracks, spec(appview), now=NOW + timedelta(days=1))
    assert second.exit_code == 0 and second.run.stored == 5
    assert appview.calls["createSession"] == 1
    assert appview.calls["refreshSession"] == 1
    expired = [r for r in appview.search_requests() if r.status == status]
    assert len(expired) == 1


def test_wrong_app_password_fails_the_run_clearly(tracks: TrackStore,
                                                  appview: AppviewDouble) -> None:
    outcome = run(tracks, spec(appview, password="wrong-pass-word-xx"))
    assert outcome.exit_code == 1 and outcome.run.status is RunStatus.FAILED
    message = outcome.run.message
    assert appview.base_url.split("//")[1] in message
    assert "Invalid identifier or password" in message and "app password" in message
    assert "wrong-pass-word-xx" not in message
    assert appview.search_requests() == []


def test_a_revoked_session_fails_then_signs_in_again(tracks: TrackStore,
                                                     appview: AppviewDouble) -> None:
    seed(appview, 20, step=timedelta(hours=6))
    assert run(tracks, spec(appview)).exit_code == 0
    appview.revoke_sessions()
    seed(appview, 3, start=NOW + timedelta(hours=1))
    failed = run(tracks, spec(appview), now=NOW + timedelta(days=1))
    assert failed.exit_code == 1 and "InvalidToken" in failed.run.message
    assert tracks.count_posts() == 20  # nothing stored before is lost
    again = run(tracks, spec(appview), now=NOW + timedelta(days=1))
    assert again.exit_code == 0 and tracks.count_posts() == 23
    assert appview.calls["createSession"] == 2


def test_rate_limited_waits_until_the_reset(tracks: TrackStore, appview: AppviewDouble) -> None:
    seed(appview, 150, step=timedelta(minutes=20))
    appview.inject(429, path=SEARCH, times=1)
    slept: list[float] = []
    waits: list[str] = []
    outcome = run(tracks, spec(appview), sleep=slept.append,
                  on_wait=lambda message, delay, totals: waits.append(message))
    assert len(waits) == 1 and "Rate Limit Exceeded" in waits[0]
    assert outcome.exit_code == 0 and tracks.count_posts() == 150
    assert len(slept) == 1 and 50 <= slept[0] <= 61  # the double's reset: a minute from now


def test_an_html_page_says_so_and_names_the_host(tracks: TrackStore,
                                                 appview: AppviewDouble) -> None:
    seed(appview, 150, step=timedelta(minutes=20))
    html = "<html><body>Bad gateway</body></html>"
    appview.inject(502, path=SEARCH, times=1, body=html, headers={"content-type": "text/html"})
    assert run(tracks, spec(appview)).exit_code == 0  # passing: retried
    assert tracks.count_posts() == 150
    appview.inject(200, path=SEARCH, times=None, body=html, headers={"content-type": "text/html"})
    failed = run(tracks, spec(appview), now=NOW + timedelta(days=1))
    assert failed.exit_code == 1
    host = appview.base_url.split("//")[1]
    assert f"{host} answered app.bsky.feed.searchPosts with something that is not JSON " \
           "(text/html)" in failed.run.message
    assert tracks.count_posts() == 150


def test_recorded_views_and_broken_ones(tracks: TrackStore, appview: AppviewDouble) -> None:
    cassette = yaml.safe_load((REFERENCE / "bluesky" / "searchPosts.yml").read_text())
    answer = json.loads(cassette["http_interactions"][0]["response"]["body"]["string"])
    appview.add_views(answer["posts"])
    broken = {**answer["posts"][24], "uri": "at://did:plc:x/app.bsky.feed.post/broken"}
    broken["record"] = {**broken["record"], "text": {"not": "text"}}
    appview.add_views([broken])
    outcome = run(tracks, spec(appview, tags=("txlege",), since=datetime(2025, 5, 18, tzinfo=UTC)),
                  now=datetime(2025, 5, 20, tzinfo=UTC))
    assert outcome.exit_code == 0
    assert outcome.run.stored == 1 and outcome.run.bad == 1
    assert "its text is not a string" in outcome.run.problems[0]
    post = tracks.post("bluesky", "at://did:plc:7nagdvjqrzaquzk7mueohne5/app.bsky.feed.post/"
                                  "3lpica7sxmk2u")
    assert post is not None and "txlege" in post["hashtags"]


def test_built_from_its_kind_and_limited_by_max_posts(tracks: TrackStore,
                                                      appview: AppviewDouble) -> None:
    seed(appview, 250, step=timedelta(minutes=10))
    source = build(spec(appview))
    assert isinstance(source, SearchPosts) and source.name == f"bluesky-search:{appview.base_url}"
    capped = collect(tracks, SearchPosts(spec(appview), clock=lambda: NOW), max_posts=120)
    assert capped.capped and tracks.count_posts() == 120
    assert [c["limit"] for c in searched(appview)] == ["100", "20"]
    rest = run(tracks, spec(appview))
    assert rest.run.stored == 130 and tracks.count_posts() == 250


def test_create_session_is_limited_per_five_minutes() -> None:
    with AppviewDouble() as appview:
        appview.add_account(HANDLE, PASSWORD)
        body = {"identifier": HANDLE, "password": PASSWORD}
        with httpx.Client(base_url=appview.base_url) as client:
            answers = [client.post(CREATE, json=body) for _ in range(31)]
        assert {a.status_code for a in answers[:30]} == {200}
        assert answers[30].status_code == 429
        assert answers[30].headers["ratelimit-policy"] == "30;w=300"
        assert answers[30].json()["error"] == "RateLimitExceeded"


def test_a_clock_with_microseconds_ends_the_run(tracks: TrackStore,
                                                appview: AppviewDouble) -> None:
    """Checkpoints keep milliseconds: an end finer than them was never reached, and the walk
    asked again forever."""
    seed(appview, 30, step=timedelta(hours=1))
    now = NOW + timedelta(microseconds=123_456)
    source = SearchPosts(spec(appview), clock=lambda: now)
    outcome = collect(tracks, source, sleep=lambda seconds: None)
    assert (outcome.run.status, tracks.count_posts("bluesky")) == (RunStatus.OK, 30)
    assert len(searched(appview)) <= 12  # 8 daily windows and their last pages, not thousands

"""`campaign track x`'s collector, through the collect loop, against the X double's recent search:
pages, since_id, resumes after a stop, a 503, an HTML page or a 401, rate limits, the cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from campaign.platforms.credentials import Secrets
from campaign.platforms.x.collector import SearchRecent, id_time, search_query, snowflake
from campaign.queue.engine import utcnow
from campaign.tracking.collect import Outcome, collect
from campaign.tracking.models import POSTS
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import RunStatus, TrackStore
from tests.servers.x import SEARCH_PATH, XDouble
from tests.servers.x import _encode_token as encode_token

APP = "app-only-bearer-token"
TAGS = ("endchildlabour2021", "endchildlabour")
HTML = "<!DOCTYPE html><html><body><h1>Something went wrong</h1></body></html>"


@pytest.fixture
def x() -> Iterator[XDouble]:
    with XDouble() as double:
        double.add_app(APP)
        yield double
        assert double.errors == []


def spec(x: XDouble, **changes: Any) -> SourceSpec:
    values: dict[str, Any] = {"kind": "x-search", "base_url": x.base_url, "tags": TAGS,
                              "secrets": Secrets({"bearer_token": APP})}
    return SourceSpec(**(values | changes))


def run(tracks: TrackStore, x: XDouble, **options: Any) -> Outcome:
    waits: list[float] = options.pop("waits", [])
    source = build(options.pop("spec", None) or spec(x))
    return collect(tracks, source, sleep=waits.append, **options)


def stored(tracks: TrackStore) -> list[str]:
    """Every stored X post id, with repeats if any were stored twice."""
    with tracks.engine.connect() as conn:
        return list(conn.execute(select(POSTS.c.remote_id).where(POSTS.c.network == "x")).scalars())


def searches(x: XDouble) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in x.requests if r.path == SEARCH_PATH]


def checkpoint(tracks: TrackStore) -> dict[str, Any]:
    return tracks.checkpoints(f"x-search:{spec_url(tracks)}")[search_query(TAGS)]


def spec_url(tracks: TrackStore) -> str:
    [name] = {r.source for r in tracks.runs()}
    return name.removeprefix("x-search:")


def seed(x: XDouble, count: int, **options: Any) -> list[str]:
    ids = x.seed_many(count, **options)
    x.seed_tweet("not about the campaign #Football", username="fan")  # never matches
    return ids


def test_pages_with_expansions_until_the_sweep_ends(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 250)
    outcome = run(tracks, x)
    assert (outcome.exit_code, outcome.run.status, outcome.run.read) == (0, RunStatus.OK, 250)
    assert sorted(stored(tracks)) == sorted(ids)
    asked = searches(x)
    assert [a["max_results"] for a in asked] == ["100", "100", "100"]
    assert asked[0]["query"] == "(#endchildlabour2021 OR #endchildlabour)"
    assert set(asked[0]["expansions"].split(",")) == {
        "author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"}
    assert {"public_metrics", "entities", "referenced_tweets", "lang"} <= set(
        asked[0]["tweet.fields"].split(","))
    assert "next_token" in asked[1] and "since_id" not in asked[0]
    assert checkpoint(tracks) == {"since_id": max(ids, key=int), "sweep": None}
    # kinds, authors and metrics as the double made them
    tweets = {t["id"]: t for t in x.seeded}
    repost = next(i for i in ids if tweets[i].get("referenced_tweets", [{}])[0].get("type") == "retweeted")
    row = tracks.post("x", repost)
    assert row is not None and row["kind"] == "repost"
    original = next(i for i in ids if "referenced_tweets" not in tweets[i])
    row = tracks.post("x", original)
    assert row is not None and row["kind"] == "original" and "endchildlabour" in row["hashtags"][0]


def test_a_second_run_reads_only_newer_posts(tracks: TrackStore, x: XDouble) -> None:
    first = seed(x, 120, start=time.time() - 3600)
    run(tracks, x)
    newer = seed(x, 15)
    outcome = run(tracks, x)
    assert outcome.run.read == 15 and outcome.run.stored == 15
    assert searches(x)[-1]["since_id"] == max(first, key=int)
    assert sorted(stored(tracks)) == sorted(first + newer)


def test_stopped_after_page_one_resumes_without_loss(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 230, start=time.time() - 3600)
    stopping = threading.Event()
    outcome = run(tracks, x, stopping=stopping, on_page=lambda *_: stopping.set())
    assert outcome.run.status is RunStatus.INTERRUPTED and outcome.exit_code == 0
    state = checkpoint(tracks)
    page_one = sorted(ids, key=int)[-100:]
    assert state["sweep"]["until_id"] == page_one[0] and state["since_id"] is None
    later = seed(x, 5)  # newer than the sweep: the next sweep's
    outcome = run(tracks, x)
    resumed = searches(x)[1]
    assert resumed["until_id"] == page_one[0] and "start_time" not in resumed
    assert outcome.run.read == 130
    assert checkpoint(tracks)["since_id"] == max(ids, key=int)
    run(tracks, x)
    assert sorted(stored(tracks)) == sorted(ids + later)  # each once, none lost


def test_a_first_sweep_from_since_resumes_by_id(tracks: TrackStore, x: XDouble) -> None:
    """X refuses until_id with start_time: a resumed first sweep bounds itself by the id of
    its start, and posts before spec.since are never read."""
    old = seed(x, 20, start=time.time() - 7200)
    since = utcnow() - timedelta(hours=1)
    ids = seed(x, 150, start=time.time() - 1800)
    stopping = threading.Event()
    source_spec = spec(x, since=since)
    run(tracks, x, spec=source_spec, stopping=stopping, on_page=lambda *_: stopping.set())
    assert searches(x)[0]["start_time"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")
    run(tracks, x, spec=source_spec)
    resumed = searches(x)[1]
    assert "start_time" not in resumed and id_time(resumed["since_id"]) < since
    assert sorted(stored(tracks)) == sorted(ids) and not set(old) & set(stored(tracks))


def test_a_sweep_left_unfinished_for_a_week_is_closed_not_asked_for(
        tracks: TrackStore, x: XDouble) -> None:
    """Its until_id is older than recent search reaches: asking for it (with a since_id inside
    the window) is a request X cannot answer; the sweep is over, the next starts at its newest."""
    week_ago = utcnow() - timedelta(days=8)
    newest, oldest = snowflake(week_ago + timedelta(hours=1)), snowflake(week_ago)
    source = build(spec(x))
    tracks.save_page(source.name, Page([], (search_query(TAGS), {"since_id": None, "sweep": {
        "newest_id": str(newest), "until_id": str(oldest), "since_id": None}})))
    ids = seed(x, 30)
    outcome = collect(tracks, source, sleep=[].append)
    assert outcome.exit_code == 0 and sorted(stored(tracks)) == sorted(ids)
    assert all("until_id" not in a for a in searches(x))
    assert outcome.run.problems[0].startswith("X searches only the last 7 days: the sweep "
                                              "stopped at posts of ")
    assert checkpoint(tracks) == {"since_id": max(ids, key=int), "sweep": None}


def test_a_post_made_during_a_sweep_is_the_next_sweeps(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 250, start=time.time() - 3600)
    during: list[str] = []

    def post_once(*_: Any) -> None:
        if not during:
            during.append(x.seed_tweet("made mid-sweep #EndChildLabour2021", username="late"))

    run(tracks, x, on_page=post_once)
    assert sorted(stored(tracks)) == sorted(ids)  # pages go back in time: not in this sweep
    assert checkpoint(tracks) == {"since_id": max(ids, key=int), "sweep": None}
    outcome = run(tracks, x)
    assert outcome.run.read == 1 and sorted(stored(tracks)) == sorted(ids + during)


@pytest.mark.parametrize("same", [pytest.param("page", id="same-page-again"),
                                  pytest.param("token", id="same-token-again")])
def test_a_next_page_that_does_not_go_back_fails_instead_of_looping(
        tracks: TrackStore, x: XDouble, same: str) -> None:
    """X bills every post of every page: a cursor that does not move must not be followed."""
    ids = sorted(seed(x, 250), key=int)
    tweets = {t["id"]: t for t in x.seeded}
    armed: list[None] = []

    def after_first(*_: Any) -> None:
        if armed:
            return
        last = ids[-100] if same == "page" else ids[-101]  # page one's oldest, or one older
        token = encode_token("n", int(ids[-100]))  # the token page one answered
        body = {"data": [{"id": last, "text": tweets[last]["text"],
                          "created_at": tweets[last]["created_at"]}],
                "meta": {"newest_id": last, "oldest_id": last, "result_count": 1,
                         "next_token": token}}
        armed.append(x.inject(200, path=SEARCH_PATH, times=None, body=body))

    outcome = run(tracks, x, on_page=after_first, max_posts=1000)
    assert (outcome.exit_code, outcome.run.status) == (1, RunStatus.FAILED)
    said = "does not go back in time" if same == "page" else "the same next_token twice"
    assert said in outcome.run.message and outcome.run.read <= 102
    x.clear_faults()
    run(tracks, x)
    assert sorted(stored(tracks), key=int) == ids


def test_an_empty_first_page_with_a_token_is_followed(tracks: TrackStore, x: XDouble) -> None:
    """X may answer a page of no posts that still has a next_token: the sweep goes on."""
    ids = seed(x, 30)
    x.inject(200, path=SEARCH_PATH, body={"meta": {"result_count": 0,
                                                   "next_token": encode_token("n", 2**62)}})
    outcome = run(tracks, x)
    assert outcome.exit_code == 0 and sorted(stored(tracks)) == sorted(ids)
    assert checkpoint(tracks) == {"since_id": max(ids, key=int), "sweep": None}


@pytest.mark.parametrize("fault", [
    pytest.param({"status": 503}, id="503"),
    pytest.param({"status": 200, "body": HTML, "headers": {"Content-Type": "text/html"}},
                 id="html-200"),
])
def test_a_passing_failure_after_a_page_is_retried_from_the_checkpoint(
        tracks: TrackStore, x: XDouble, fault: dict[str, Any]) -> None:
    ids = seed(x, 250)
    armed = []

    def after_first(*_: Any) -> None:
        if not armed:
            armed.append(x.inject(path=SEARCH_PATH, times=2, **fault))

    waits: list[float] = []
    outcome = run(tracks, x, on_page=after_first, waits=waits)
    assert (outcome.exit_code, outcome.run.status) == (0, RunStatus.OK)
    assert waits == [2.0, 4.0]  # back-off, through the fake sleep
    assert sorted(stored(tracks)) == sorted(ids)
    assert searches(x)[3]["until_id"] == sorted(ids, key=int)[-100]


def test_html_that_lasts_fails_the_run_and_keeps_the_first_page(
        tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 250)
    armed: list[None] = []

    def after_first(*_: Any) -> None:
        if not armed:
            armed.append(x.inject(200, path=SEARCH_PATH, times=None, body=HTML,
                                  headers={"Content-Type": "text/html; charset=utf-8"}))

    outcome = run(tracks, x, on_page=after_first)
    assert (outcome.exit_code, outcome.run.status) == (1, RunStatus.FAILED)
    host = x.base_url.removeprefix("http://")
    assert f"X search on {host} answered something that is not JSON" in outcome.run.message
    assert "3 retries" in outcome.run.message and "resumes where it stopped" in outcome.run.message
    assert len(stored(tracks)) == 100
    x.clear_faults()
    run(tracks, x)
    assert sorted(stored(tracks)) == sorted(ids)


def test_401_fails_the_run_clearly_and_keeps_earlier_pages(tracks: TrackStore, x: XDouble) -> None:
    seed(x, 250)
    armed: list[None] = []

    def after_first(*_: Any) -> None:
        if not armed:
            armed.append(x.inject(401, path=SEARCH_PATH))

    outcome = run(tracks, x, on_page=after_first)
    assert (outcome.exit_code, outcome.run.status) == (1, RunStatus.FAILED)
    assert outcome.run.message.startswith("X search on 127.0.0.1:")
    assert "refused the credentials of x-search:" in outcome.run.message
    assert "Unauthorized" in outcome.run.message and "bearer token" in outcome.run.message
    assert APP not in outcome.run.message
    assert len(stored(tracks)) == 100


def test_a_wrong_token_and_no_credentials(tracks: TrackStore, x: XDouble) -> None:
    seed(x, 10)
    outcome = run(tracks, x, spec=spec(x, secrets=Secrets({"bearer_token": "revoked-token"})))
    assert outcome.exit_code == 1 and "refused the credentials" in outcome.run.message
    assert "revoked-token" not in outcome.run.message
    outcome = run(tracks, x, spec=spec(x, secrets=None))
    assert outcome.exit_code == 1 and "has no credentials" in outcome.run.message


def test_user_context_secrets_search_too(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 30)
    x.add_user("ilo", consumer_key="ck", consumer_secret="cs", access_token="77-at",
               access_token_secret="ats")
    secrets = Secrets({"consumer_key": "ck", "consumer_secret": "cs", "access_token": "77-at",
                       "access_token_secret": "ats"})
    outcome = run(tracks, x, spec=spec(x, secrets=secrets))
    assert outcome.exit_code == 0 and sorted(stored(tracks)) == sorted(ids)
    assert x.requests[-1].auth == "oauth1"


@pytest.mark.parametrize(("reset_in", "expected"), [
    pytest.param(40, 40, id="reset-soon"),
    pytest.param(3 * 3600, 15 * 60, id="reset-far-capped"),
    pytest.param(-100, 5, id="reset-past-floor"),
])
def test_rate_limit_waits_within_bounds(tracks: TrackStore, x: XDouble, reset_in: int,
                                        expected: float) -> None:
    ids = seed(x, 150)
    reset = int(time.time()) + reset_in
    armed: list[None] = []

    def after_first(*_: Any) -> None:
        if not armed:
            armed.append(x.inject(429, path=SEARCH_PATH,
                                  headers={"x-rate-limit-reset": str(reset)}))

    waits: list[float] = []
    outcome = run(tracks, x, on_page=after_first, waits=waits)
    assert outcome.exit_code == 0 and sorted(stored(tracks)) == sorted(ids)
    [wait] = waits
    assert expected - 2 <= wait <= expected + 1


def test_the_double_rate_limit_bucket_is_honoured(tracks: TrackStore, x: XDouble) -> None:
    """The double's own 450-per-15-minutes bucket, shrunk: its 429 carries the real reset."""
    seed(x, 250)
    x.set_rate_limit("search.recent.app", 2)
    x.enforce_rate_limits = True
    waits: list[float] = []
    outcome = run(tracks, x, waits=waits)
    assert len(waits) == 4 and all(w == pytest.approx(900, abs=5) for w in waits)
    assert outcome.exit_code == 1 and "waited 4 times" in outcome.run.message
    assert len(stored(tracks)) == 200
    limits = [r for r in x.requests if r.status == 200]
    assert limits and limits[0].extra_headers["x-rate-limit-limit"] == "2"


def test_max_posts_sizes_pages_and_caps_the_run(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 250)
    outcome = run(tracks, x, max_posts=150)
    assert outcome.capped and outcome.run.read == 150
    assert [a["max_results"] for a in searches(x)] == ["100", "50"]
    assert checkpoint(tracks)["sweep"] is not None
    outcome = run(tracks, x, max_posts=5)
    assert searches(x)[-1]["max_results"] == "10"  # X's smallest page
    assert outcome.run.read == 10
    run(tracks, x)
    assert sorted(stored(tracks)) == sorted(ids)


def test_the_estimate_is_what_a_capped_run_reads(tracks: TrackStore, x: XDouble) -> None:
    seed(x, 150)
    estimate = SearchRecent(spec(x)).estimate(105)
    outcome = run(tracks, x, max_posts=105)
    assert [a["max_results"] for a in searches(x)] == ["100", "10"]
    assert outcome.run.read == 110 and "at most 110 posts" in estimate


def test_since_older_than_the_window_is_clamped_and_said(tracks: TrackStore, x: XDouble) -> None:
    seed(x, 12)
    source_spec = spec(x, since=utcnow() - timedelta(days=30))
    assert "X searches only the last 7 days" in SearchRecent(source_spec).estimate(100)
    outcome = run(tracks, x, spec=source_spec)
    assert outcome.exit_code == 0 and outcome.run.bad == 0
    assert outcome.run.problems[0].startswith("X searches only the last 7 days: reading from")
    assert "start_time" in searches(x)[0]


def test_the_estimate_sentence(x: XDouble) -> None:
    assert SearchRecent(spec(x)).estimate(150) == (
        "This run reads at most 150 posts from X, about $0.75 at $0.005 a post read.")
    assert SearchRecent(spec(x, options={"price_per_read": 0.01})).estimate(5) == (
        "This run reads at most 10 posts from X, about $0.10 at $0.01 a post read.")
    assert SearchRecent(spec(x)).estimate(105) == (  # 100, then X's smallest page
        "This run reads at most 110 posts from X, about $0.55 at $0.005 a post read.")
    assert SearchRecent(spec(x, max_posts=2000)).estimate(None).startswith(
        "This run reads at most 2,000 posts from X, about $10.00")
    unbounded = SearchRecent(spec(x)).estimate(None)
    assert unbounded.startswith("X bills every post a search returns ($0.005 a post read)")


def test_posts_stored_match_a_count_in_the_database(tracks: TrackStore, x: XDouble) -> None:
    ids = seed(x, 40)
    run(tracks, x)
    run(tracks, x)  # nothing new: one request, nothing stored twice
    with tracks.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(POSTS)).scalar_one() == len(ids)

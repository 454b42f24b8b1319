"""`campaign track mastodon`'s collector through collect(), against Mastodon doubles on 127.0.0.1,
on SQLite and PostgreSQL: pages read forward by min_id, several tags, resumed runs, three
federated instances, interruptions, and the errors an instance answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from campaign.platforms.credentials import Secrets
from campaign.platforms.mastodon.collector import TagTimelines, snowflake
from campaign.tracking.collect import Outcome, Totals, collect
from campaign.tracking.records import Page
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import RunStatus, Saved, TrackStore
from tests.servers.federation import Federation, federation  # noqa: F401  (fixture)
from tests.servers.mastodon import MastodonDouble

TAG = "endchildlabour2021"
START = datetime(2021, 6, 12, 8, 0, tzinfo=UTC).timestamp()
SINCE = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
TOKEN = "reader-token"


@pytest.fixture
def masto() -> Iterator[MastodonDouble]:
    with MastodonDouble() as double:
        double.add_account("reader", TOKEN)
        yield double
        assert double.errors == []


def spec(double: MastodonDouble, *tags: str, token: str | None = None,
         since: datetime | None = SINCE) -> SourceSpec:
    secrets = Secrets({"access_token": token}) if token else None
    return SourceSpec("mastodon-tags", double.base_url, tags or (TAG,), secrets=secrets,
                      since=since, timeout=5)


def run(tracks: TrackStore, source: SourceSpec | TagTimelines, **options: Any) -> Outcome:
    collector = build(source) if isinstance(source, SourceSpec) else source
    sleeps: list[float] = options.pop("sleeps", [])
    return collect(tracks, collector, sleep=sleeps.append, **options)


def timeline_requests(double: MastodonDouble) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in double.requests
            if r.path.startswith("/api/v1/timelines/tag/")]


def test_many_pages_of_one_tag_read_forward(tracks: TrackStore, masto: MastodonDouble) -> None:
    ids = masto.seed(130, tags=("EndChildLabour2021",), accounts=7, start=START)
    outcome = run(tracks, spec(masto))
    assert outcome.exit_code == 0 and outcome.run.status is RunStatus.OK
    assert (outcome.run.read, outcome.run.stored) == (130, 130)
    assert tracks.count_posts("mastodon") == 130
    asked = timeline_requests(masto)
    assert [q["limit"] for q in asked] == ["40"] * 4  # 40 + 40 + 40 + 10: the short page ends it
    assert [q["min_id"] for q in asked] == [str(snowflake(SINCE)), ids[39], ids[79], ids[119]]
    assert tracks.checkpoints(spec(masto).source_name) == {TAG: {"min_id": ids[-1]}}
    uri = f"{masto.base_url}/ap/users/{masto.statuses[0]['account_id']}/statuses/{ids[0]}"
    post = tracks.post("mastodon", uri)
    assert post is not None and post["hashtags"] == [TAG]
    assert post["author_handle"] == f"user0@{masto.domain}"


def test_several_tags_each_with_its_checkpoint(tracks: TrackStore, masto: MastodonDouble) -> None:
    labour = masto.seed(45, tags=("LabourDay",), start=START)
    both = masto.seed(10, tags=("LabourDay", "ChildrensDay"), start=START + 100)
    children = masto.seed(5, tags=("ChildrensDay",), start=START + 200)
    outcome = run(tracks, spec(masto, "labourday", "childrensday"))
    assert outcome.exit_code == 0
    assert outcome.run.read == 45 + 10 + 10 + 5 and outcome.run.stored == 60  # `both` once
    assert tracks.checkpoints(spec(masto).source_name) == {
        "labourday": {"min_id": both[-1]}, "childrensday": {"min_id": children[-1]}}
    assert labour[0] < both[0] < children[0]


def test_a_second_run_reads_only_new_posts(tracks: TrackStore, masto: MastodonDouble) -> None:
    first = masto.seed(50, start=START)
    assert run(tracks, spec(masto)).run.stored == 50
    later = masto.seed(3, start=START + 1000)
    before = len(timeline_requests(masto))
    again = run(tracks, spec(masto))
    assert (again.run.read, again.run.stored) == (3, 3)
    assert timeline_requests(masto)[before]["min_id"] == first[-1]
    assert tracks.checkpoints(spec(masto).source_name)[TAG] == {"min_id": later[-1]}
    nothing = run(tracks, spec(masto))
    assert (nothing.exit_code, nothing.run.read) == (0, 0)


def test_without_since_a_first_run_reads_the_newest_page(tracks: TrackStore,
                                                         masto: MastodonDouble) -> None:
    ids = masto.seed(100, start=START)
    outcome = run(tracks, spec(masto, since=None))
    assert outcome.run.stored == 40 and "min_id" not in timeline_requests(masto)[0]
    assert tracks.checkpoints(spec(masto).source_name)[TAG] == {"min_id": ids[-1]}
    masto.seed(2, start=START + 500)
    assert run(tracks, spec(masto, since=None)).run.stored == 2


def test_the_same_post_seen_by_three_instances_is_stored_once(
        tracks: TrackStore, federation: Federation) -> None:  # noqa: F811
    a, b, c = federation.instances
    now = time.time()
    shared = [federation.post(n % 3, f"pledger{n}", f"Pledge {n} #EndChildLabour2021",
                              at=now - 600 + n) for n in range(9)]
    only_b = federation.post(1, "local", "Local #EndChildLabour2021", seen_by=[], at=now - 100)
    since = datetime.fromtimestamp(now - 3600, UTC)
    outcomes = [run(tracks, spec(i, since=since)) for i in (a, b, c)]
    assert [o.run.read for o in outcomes] == [9, 10, 9]
    assert [o.run.stored for o in outcomes] == [9, 1, 0]
    assert tracks.count_posts("mastodon") == 10
    checkpoints = [tracks.checkpoints(spec(i).source_name)[TAG]["min_id"] for i in (a, b, c)]
    assert len(set(checkpoints)) == 3  # each instance's own local ids
    post = tracks.post("mastodon", shared[4]["uri"])
    assert post is not None and post["author_handle"] == f"pledger4@{b.domain}"
    assert post["url"] == shared[4]["url"] and post["source"] == spec(a).source_name
    assert tracks.post("mastodon", only_b["uri"]) is not None
    copies = [i.receive(shared[4]) for i in (a, c)]
    assert copies[0]["id"] != copies[1]["id"] and copies[0]["uri"] == copies[1]["uri"]
    assert copies[0]["account"]["acct"] == f"pledger4@{b.domain}"


def test_stopped_after_the_first_page_then_resumed(tracks: TrackStore,
                                                   masto: MastodonDouble) -> None:
    masto.seed(100, start=START)
    stopping = threading.Event()

    def stop(page: Page, saved: Saved, totals: Totals) -> None:
        stopping.set()

    first = run(tracks, spec(masto), stopping=stopping, on_page=stop)
    assert first.run.status is RunStatus.INTERRUPTED and first.exit_code == 0
    assert tracks.count_posts() == 40
    second = run(tracks, spec(masto))
    assert (second.run.read, second.run.stored, tracks.count_posts()) == (60, 60, 100)


@pytest.mark.parametrize("times", [pytest.param(1, id="passing"), pytest.param(None, id="lasting")])
def test_a_503_after_two_pages(tracks: TrackStore, masto: MastodonDouble,
                               times: int | None) -> None:
    masto.seed(90, start=START)

    def fail_later(page: Page, saved: Saved, totals: Totals) -> None:
        if totals.pages == 2:
            masto.inject(503, times=times, path="/api/v1/timelines/tag/")

    sleeps: list[float] = []
    outcome = run(tracks, spec(masto), on_page=fail_later, sleeps=sleeps)
    if times == 1:  # retried within the run, from the checkpoint as stored
        assert outcome.exit_code == 0 and sleeps == [2.0] and tracks.count_posts() == 90
        return
    assert outcome.exit_code == 1 and outcome.run.status is RunStatus.FAILED
    assert sleeps == [2.0, 4.0, 8.0] and tracks.count_posts() == 80
    assert "Service Unavailable" in outcome.run.message and masto.domain in outcome.run.message
    masto.clear_faults()
    again = run(tracks, spec(masto))
    assert (again.run.stored, tracks.count_posts()) == (10, 90)


def test_an_instance_that_requires_login(tracks: TrackStore) -> None:
    with MastodonDouble(tag_timelines_require_login=True) as masto:
        masto.add_account("reader", TOKEN)
        masto.seed(5, start=START)
        refused = run(tracks, spec(masto))
        assert refused.exit_code == 1 and refused.run.status is RunStatus.FAILED
        assert refused.run.message == (f"Mastodon instance {masto.domain} requires login for tag "
                                       "timelines: give it an access token (--credentials)")
        assert masto.requests[-1].status == 401
        signed_in = run(tracks, spec(masto, token=TOKEN))
        assert (signed_in.exit_code, signed_in.run.stored) == (0, 5)
        assert masto.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_revoked_token(tracks: TrackStore, masto: MastodonDouble) -> None:
    masto.seed(45, start=START)
    assert run(tracks, spec(masto, token=TOKEN), max_posts=40).run.stored == 40
    masto.revoke(TOKEN)
    outcome = run(tracks, spec(masto, token=TOKEN))
    assert outcome.exit_code == 1 and TOKEN not in outcome.run.message
    assert outcome.run.message.startswith(f"Mastodon instance {masto.domain} says the access "
                                          "token was revoked")
    assert tracks.count_posts() == 40


def test_a_rate_limit_is_waited_on(tracks: TrackStore, masto: MastodonDouble) -> None:
    masto.seed(50, start=START)

    def limit(page: Page, saved: Saved, totals: Totals) -> None:
        if totals.pages == 1:
            masto.inject(429, path="/api/v1/timelines/tag/")

    sleeps: list[float] = []
    outcome = run(tracks, spec(masto), on_page=limit, sleeps=sleeps)
    assert outcome.exit_code == 0 and tracks.count_posts() == 50
    assert len(sleeps) == 1 and 5 <= sleeps[0] <= 300  # until the aligned 5-minute reset
    assert [r.status for r in masto.requests if "/tag/" in r.path].count(429) == 1


def test_an_html_page_in_the_middle(tracks: TrackStore, masto: MastodonDouble) -> None:
    masto.seed(50, start=START)
    html = "<!DOCTYPE html><html><body><h1>We'll be back soon</h1></body></html>"

    def portal(page: Page, saved: Saved, totals: Totals) -> None:
        if totals.pages == 1:
            masto.inject(200, path="/api/v1/timelines/tag/", body=html,
                         headers={"Content-Type": "text/html; charset=utf-8"})

    outcome = run(tracks, spec(masto), on_page=portal)
    assert outcome.exit_code == 1 and tracks.count_posts() == 40
    assert outcome.run.message == (
        f"Mastodon instance {masto.domain} answered the timeline of #{TAG} with an HTML page, "
        f"not JSON (HTTP 200): is {masto.base_url} a Mastodon instance? Pages already stored "
        "are kept")
    assert run(tracks, spec(masto)).run.stored == 10


def test_an_html_error_page_is_passing(tracks: TrackStore, masto: MastodonDouble) -> None:
    masto.seed(10, start=START)
    masto.inject(502, path="/api/v1/timelines/tag/", body="<html>Bad Gateway</html>",
                 headers={"Content-Type": "text/html"})
    sleeps: list[float] = []
    outcome = run(tracks, spec(masto), sleeps=sleeps)
    assert (outcome.exit_code, sleeps, tracks.count_posts()) == (0, [2.0], 10)


def test_an_unreadable_status_is_counted_and_the_rest_stored(tracks: TrackStore,
                                                             masto: MastodonDouble) -> None:
    masto.seed(3, start=START)
    good = masto.status_json(masto.statuses[0]["id"])
    masto.inject(200, path="/api/v1/timelines/tag/", body=[good | {"id": "9" * 18},
                                                          {"id": "5", "uri": None}])
    outcome = run(tracks, spec(masto))
    assert outcome.exit_code == 0 and outcome.run.bad == 1
    assert outcome.run.problems == (f"{masto.domain} #{TAG}: status 5: Mastodon status '5' has "
                                    "no uri",)
    assert tracks.count_posts() == 1  # the checkpoint then points past the injected ids


def test_an_instance_that_ignores_min_id_is_read_once_not_forever(tracks: TrackStore,
                                                                   masto: MastodonDouble) -> None:
    # a cache in front of the instance answers every min_id with the same newest page of 40
    ids = masto.seed(60, start=START)
    cached = [masto.status_json(i) for i in reversed(ids[-40:])]
    masto.inject(200, path="/api/v1/timelines/tag/", times=None, body=cached)
    stopping, pages = threading.Event(), []

    def on_page(*_: Any) -> None:  # a loop is stopped, and the test fails, not hangs
        pages.append(1)
        if len(pages) >= 20:
            stopping.set()

    outcome = run(tracks, spec(masto), stopping=stopping, on_page=on_page)
    assert outcome.run.status is RunStatus.OK and len(pages) == 2
    assert len(timeline_requests(masto)) == 2 and tracks.count_posts() == 40
    assert tracks.checkpoints(spec(masto).source_name) == {TAG: {"min_id": ids[-1]}}
    assert "does not page forward" in outcome.run.problems[0]


def test_a_page_of_junk_first_is_counted_not_a_crash(tracks: TrackStore,
                                                     masto: MastodonDouble) -> None:
    masto.seed(2, start=START)
    good = masto.status_json(masto.statuses[1]["id"])
    masto.inject(200, path="/api/v1/timelines/tag/", body=["junk", {"id": None}, good])
    outcome = run(tracks, spec(masto))
    assert outcome.exit_code == 0 and outcome.run.bad == 2 and tracks.count_posts() == 1
    assert tracks.checkpoints(spec(masto).source_name) == {
        TAG: {"min_id": masto.statuses[1]["id"]}}
    masto.inject(200, path="/api/v1/timelines/tag/", body=[{"id": None}, [1]])
    failed = run(tracks, spec(masto))
    assert failed.exit_code == 1 and "statuses that have no id" in failed.run.message


def test_a_source_without_tags_or_instance_is_refused() -> None:
    from campaign.errors import CampaignError

    with pytest.raises(CampaignError, match="no hashtags"):
        TagTimelines(SourceSpec("mastodon-tags", "https://a.example", ()))
    with pytest.raises(CampaignError, match="names no instance"):
        TagTimelines(SourceSpec("mastodon-tags", "", (TAG,)))


def test_nul_lone_surrogates_and_huge_counts_are_stored(tracks: TrackStore,
                                                        masto: MastodonDouble) -> None:
    masto.seed(1, start=START)
    good = masto.status_json(masto.statuses[0]["id"])
    hostile = good | {"content": "<p>a\x00b \ud800 #EndChildLabour2021</p>",
                      "spoiler_text": "\x00", "reblogs_count": 10**30,
                      "account": good["account"] | {"display_name": "x\x00y",
                                                    "followers_count": 2**64}}
    masto.inject(200, path="/api/v1/timelines/tag/", body=[hostile])
    outcome = run(tracks, spec(masto))
    assert outcome.exit_code == 0 and outcome.run.stored == 1  # on PostgreSQL too
    post = tracks.post("mastodon", good["uri"])
    assert post is not None and post["text"] == "\ufffd\n\na\ufffdb \ufffd #EndChildLabour2021"
    assert post["reposts"] is None


def test_a_page_larger_than_the_bound_is_refused_unread(tracks: TrackStore,
                                                        masto: MastodonDouble) -> None:
    masto.seed(50, start=START)
    collector = TagTimelines(spec(masto))
    collector.max_body = 60_000  # 40 seeded statuses take about 100 KB
    outcome = run(tracks, collector)
    assert outcome.exit_code == 1 and tracks.count_posts() == 0
    assert "more than 1 MB, far more than a page" in outcome.run.message
    assert len(timeline_requests(masto)) == 1  # refused, not retried as a passing failure
    assert run(tracks, spec(masto)).run.stored == 50  # the usual bound reads them

"""build_report over real SQLite and PostgreSQL: every figure against what the posts stored say,
each filter, each bucket, pledgers matched, bad filter values naming the choices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from campaign.errors import CampaignError, UsageError
from campaign.pledges.form import FormRules
from campaign.pledges.store import PledgeStore
from campaign.pledges.submission import prepare
from campaign.reports.metrics import (
    bucket_start,
    buckets,
    build_report,
    report_choices,
    year_query,
)
from campaign.reports.model import NOT_A_PLEDGER, ReportQuery
from campaign.tracking.records import Author, Observation, PostKind
from campaign.tracking.store import TrackStore
from tests.pledges.conftest import PLEDGE

READ = datetime(2022, 1, 1, tzinfo=UTC)
TRAVAIL = Author("x", "101", "TravailSN", display_name="Travail SN", followers=5000)
ALICE = Author("bluesky", "did:plc:alice", "alice.bsky.social", followers=300)
BOB = Author("mastodon", "bob@mastodon.social", "bob@mastodon.social", followers=None)


def _post(n: int, author: Author, day: date, *, kind: PostKind = PostKind.ORIGINAL,
          tags: tuple[str, ...] = ("endchildlabour2021",), language: str = "fr",
          likes: int = 0, impressions: int | None = None, text: str = "") -> Observation:
    metrics: dict[str, int] = {"likes": likes, "reposts": 1}
    if impressions is not None:
        metrics["impressions"] = impressions
    return Observation(
        network=author.network, remote_id=f"{author.network}-{n}", author=author,
        created_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(minutes=n),
        text=text or f"post {n} #EndChildLabour2021", read_at=READ, kind=kind,
        url=f"https://example.org/{n}", language=language, hashtags=tags, metrics=metrics,
        raw={"n": n})


POSTS = [
    _post(1, TRAVAIL, date(2021, 6, 12), likes=50, impressions=1000,
          tags=("endchildlabour2021", "wdacl")),
    _post(2, TRAVAIL, date(2021, 6, 14), kind=PostKind.REPOST),
    _post(3, ALICE, date(2021, 6, 12), language="en", likes=7,
          tags=("endchildlabour2021", "wdacl", "sdg87")),
    _post(4, ALICE, date(2021, 3, 1), language="en", kind=PostKind.REPLY, likes=2),
    _post(5, BOB, date(2021, 12, 2), language="es", kind=PostKind.QUOTE, likes=1,
          text="<img src=x onerror=alert(1)>"),
    _post(6, BOB, date(2020, 12, 31), language="es", likes=99),  # before the year
]


@pytest.fixture
def db(database_url: str) -> TrackStore:
    """A database with the posts above and a pledge naming @TravailSN on X."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    store = TrackStore(database_url)
    store.upgrade()
    store.save_posts("test", POSTS)
    pledges = PledgeStore(database_url)
    schedule = load_schedule(builtin_schedule())
    item, _ = prepare(PLEDGE, FormRules.from_schedule(schedule, today=date(2021, 3, 1)))
    pledges.add(item)
    pledges.close()
    return store


def test_the_year_in_figures(db: TrackStore) -> None:
    report = build_report(db, year_query(2021), language="en",
                          now=datetime(2022, 1, 2, tzinfo=UTC))
    t = report.totals
    assert (t.original, t.reply, t.repost, t.quote) == (2, 1, 1, 1)
    assert (t.likes, t.reposts) == (50 + 7 + 2 + 1, 5)
    assert report.contributors == 3
    # followers once per contributor (Bob's unknown), each post times its author's followers
    assert report.reach.potential_reach == 5000 + 300
    assert report.reach.potential_impressions == 2 * 5000 + 2 * 300
    assert (report.reach.reported_impressions, report.reach.reported_posts) == (1000, 1)
    june = next(p for p in report.series if p.start == date(2021, 6, 1))
    assert (june.counts.posts, june.contributors) == (3, 2)
    assert "world-day-against-child-labour" in june.observances
    assert len(report.series) == 12 and sum(p.counts.posts for p in report.series) == 5
    assert [(s.key, s.posts, s.contributors) for s in report.by_network] == [
        ("bluesky", 2, 1), ("x", 2, 1), ("mastodon", 1, 1)]
    assert {s.key: s.label for s in report.by_language} == {
        "en": "English", "fr": "French", "es": "Spanish"}
    # the pledge names @TravailSN: its posts count under its type and country
    assert {(s.key, s.posts, s.contributors) for s in report.by_audience} == {
        ("country", 2, 1), (NOT_A_PLEDGER, 3, 2)}
    assert {(s.key, s.posts) for s in report.by_country} == {("SN", 2), (NOT_A_PLEDGER, 3)}
    assert [p.remote_id for p in report.top_posts[:2]] == ["x-1", "bluesky-3"]
    assert report.top_posts[0].pledges[0].organisation == PLEDGE["name"]
    assert report.top_contributors[0].handle in ("TravailSN", "alice.bsky.social")
    assert [(t.tag, t.posts) for t in report.tags] == [
        ("endchildlabour2021", 5), ("wdacl", 2), ("sdg87", 1)]
    assert report.tags[1].share == pytest.approx(2 / 5)
    # December: the pledger posted in June only, so it is silent, with its last post
    assert report.month == date(2021, 12, 1)
    assert not report.active
    assert [a.pledge.organisation for a in report.silent] == [PLEDGE["name"]]
    assert report.silent[0].last_post == datetime(2021, 6, 14, 10, 2, tzinfo=UTC)
    assert sum(report.lights.values()) == 1


def test_pledgers_active_in_their_month(db: TrackStore) -> None:
    report = build_report(db, year_query(2021, today=date(2021, 6, 20)))
    assert [(a.pledge.organisation, a.posts_in_month) for a in report.active] == [
        (PLEDGE["name"], 2)]
    assert report.active[0].handles == ("x:TravailSN",)


@pytest.mark.parametrize("bucket, count, first", [
    pytest.param("day", 365, date(2021, 1, 1), id="day"),
    pytest.param("week", 53, date(2020, 12, 28), id="week"),
    pytest.param("month", 12, date(2021, 1, 1), id="month"),
])
def test_buckets_and_their_contributors(db: TrackStore, bucket: str, count: int,
                                        first: date) -> None:
    report = build_report(db, year_query(2021, bucket=bucket))
    assert len(report.series) == count and report.series[0].start == first
    busiest = bucket_start(date(2021, 6, 12), bucket)
    point = next(p for p in report.series if p.start == busiest)
    assert point.contributors == 2  # Travail and Alice on 12 June (Travail again on the 14th)
    assert sum(p.counts.posts for p in report.series) == 5


@pytest.mark.parametrize("filters, posts, contributors", [
    pytest.param({"networks": ("x",)}, 2, 1, id="network"),
    pytest.param({"languages": ("en", "es")}, 3, 2, id="languages"),
    pytest.param({"hashtag": "wdacl"}, 2, 2, id="hashtag"),
    pytest.param({"pledgers_only": True}, 2, 1, id="pledgers"),
    pytest.param({"audiences": ("country",)}, 2, 1, id="audience"),
    pytest.param({"audiences": (NOT_A_PLEDGER,)}, 3, 2, id="not-a-pledger"),
    pytest.param({"countries": ("SN",), "hashtag": "wdacl"}, 1, 1, id="country-and-hashtag"),
])
def test_filters(db: TrackStore, filters: dict[str, object], posts: int,
                 contributors: int) -> None:
    report = build_report(db, year_query(2021, **filters))
    assert (report.totals.posts, report.contributors) == (posts, contributors)
    assert len(report.top_posts) == posts
    assert sum(p.counts.posts for p in report.series) == posts


def test_co_occurring_hashtags_of_a_hashtag(db: TrackStore) -> None:
    report = build_report(db, year_query(2021, hashtag="wdacl"))
    assert [(t.tag, t.posts) for t in report.tags] == [("endchildlabour2021", 2), ("sdg87", 1)]


def test_a_period_with_no_posts_is_an_empty_report(db: TrackStore) -> None:
    report = build_report(db, ReportQuery(date(2021, 8, 1), date(2021, 8, 31), bucket="day"))
    assert report.empty and report.contributors == 0 and not report.top_posts
    assert len(report.series) == 31 and not report.tags


@pytest.mark.parametrize("filters, named", [
    pytest.param({"hashtag": "nosuchtag"}, "endchildlabour2021", id="hashtag"),
    pytest.param({"networks": ("myspace",)}, "bluesky", id="network"),
    pytest.param({"languages": ("de",)}, "en, es, fr", id="language"),
    pytest.param({"countries": ("ZZ",)}, "SN", id="country"),
])
def test_unknown_filter_values_list_the_choices(db: TrackStore, filters: dict[str, object],
                                                named: str) -> None:
    with pytest.raises(UsageError, match=named):
        build_report(db, year_query(2021, **filters))


def test_a_period_ending_before_it_starts(db: TrackStore) -> None:
    with pytest.raises(CampaignError, match="before it starts"):
        build_report(db, ReportQuery(date(2021, 5, 1), date(2021, 4, 1)))


def test_choices_and_buckets(db: TrackStore) -> None:
    choices = report_choices(db)
    assert choices["networks"] == ["bluesky", "mastodon", "x"]
    assert choices["hashtags"][0] == "endchildlabour2021"
    assert NOT_A_PLEDGER in choices["audiences"] and "country" in choices["audiences"]
    assert buckets(ReportQuery(date(2021, 1, 30), date(2021, 3, 2), bucket="month")) == [
        date(2021, 1, 1), date(2021, 2, 1), date(2021, 3, 1)]


def test_metrics_read_again_grow_the_report(db: TrackStore) -> None:
    again = _post(3, ALICE, date(2021, 6, 12), language="en", likes=70,
                  tags=("endchildlabour2021", "wdacl", "sdg87"))
    db.save_posts("test", [again])
    report = build_report(db, year_query(2021, hashtag="sdg87"))
    assert report.totals.likes == 70 and report.totals.posts == 1


def test_top_posts_are_ordered_by_the_indexed_expression() -> None:
    """SQLite uses an index on an expression only for that very text."""
    import importlib

    from campaign.reports.metrics import ENGAGEMENT

    migration = importlib.import_module("campaign.queue.migrations.versions.0006_reports")
    assert str(ENGAGEMENT) == migration.ENGAGEMENT

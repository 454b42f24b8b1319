"""build_report over real SQLite and PostgreSQL: every figure against what the posts stored say,
each filter, each bucket, pledgers matched, bad filter values naming the choices."""

from __future__ import annotations

from dataclasses import replace
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
def db(request: pytest.FixtureRequest, database_url: str) -> TrackStore:
    """A database with the posts above and a pledge naming @TravailSN on X."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule
    from tests.conftest import make_migrated

    make_migrated(request, database_url)  # a copy of the session's migrated database
    store = TrackStore(database_url)
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


# -- a recount: every figure of build_report against the posts themselves, counted here ----------
RECOUNT_TAG = "endchildlabour2021"
# (network, author id, handle, followers)
RECOUNT_AUTHORS = [
    ("x", "201", "TravailSN", 5000), ("x", "202", "ngo_voice", 1200), ("x", "203", "lector", 0),
    ("mastodon", "acme@mastodon.social", "acme@mastodon.social", 2500),
    ("mastodon", "eve@mastodon.social", "eve@mastodon.social", 40),
    ("bluesky", "did:plc:carol", "carol.bsky.social", 950),
    ("bluesky", "did:plc:dan", "dan.bsky.social", 77),
]
# TravailSN is named by two pledges of different stakeholder types and countries
RECOUNT_PLEDGES: list[dict[str, object]] = [
    {"handles": {"x": "@TravailSN"}},
    {"name": "Acme Corp", "audience": "org-business", "country": "FR", "language": "en",
     "title": "Zero child labour in our supply chain by 2025",
     "handles": {"mastodon": "@acme@mastodon.social", "x": "@TravailSN"}},
    {"name": "Silent Partners", "handles": {"x": "@nobody_posts"}, "country": "BR"},
]
RECOUNT_MATCHED = {("x", "201"): [("country", "SN"), ("org-business", "FR")],
                   ("mastodon", "acme@mastodon.social"): [("org-business", "FR")]}


def _recount_posts() -> list[Observation]:
    import random

    rnd = random.Random(12)
    found = []
    start = datetime(2020, 11, 20, tzinfo=UTC)
    for n in range(240):
        network, aid, handle, followers = RECOUNT_AUTHORS[rnd.randrange(len(RECOUNT_AUTHORS))]
        created = start + timedelta(hours=rnd.randrange(24 * 100), minutes=n % 60)
        tags = (RECOUNT_TAG, *rnd.sample(["childlabour", "sdg87", "wdacl", "rare"],
                                         rnd.choice([0, 1, 1, 2])))
        if "rare" in tags and n % 4:
            tags = tuple(t for t in tags if t != "rare")
        metrics = {"likes": 7 * n % 97, "reposts": n % 5, "replies": n % 3, "quotes": n % 2}
        if network == "x" and n % 3:
            metrics["impressions"] = 10 * n
        found.append(Observation(
            network=network, remote_id=f"{network}-{n}",
            author=Author(network, aid, handle, followers=followers), created_at=created,
            text=f"post {n}", read_at=READ, kind=list(PostKind)[n % 4],
            url=f"https://example.org/{n}", language=rnd.choice(["fr", "en", "es"]),
            hashtags=tags, metrics=metrics, raw={"n": n}))
    return found


@pytest.fixture
def recount_db(request: pytest.FixtureRequest,
               database_url: str) -> tuple[TrackStore, list[Observation]]:
    import copy

    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule
    from campaign.pledges.form import validate_form
    from campaign.pledges.store import NewPledge
    from tests.conftest import make_migrated

    make_migrated(request, database_url)
    store = TrackStore(database_url)
    posts = _recount_posts()
    store.save_posts("test", posts)
    pledges = PledgeStore(database_url)
    rules = FormRules.from_schedule(load_schedule(builtin_schedule()), today=date(2021, 3, 1))
    for changes in RECOUNT_PLEDGES:
        data = copy.deepcopy(PLEDGE)
        data.update(changes)
        form = validate_form(data, rules)
        pledges.add(NewPledge(form=form, kind=rules.audiences[form.audience]))
    pledges.close()
    return store, posts


RECOUNT_FILTERS: list[dict[str, object]] = [
    {},
    {"hashtag": "sdg87"},
    {"hashtag": "rare"},
    {"pledgers_only": True},
    {"audiences": ("org-business",)},
    {"countries": ("SN", NOT_A_PLEDGER)},
    {"audiences": (NOT_A_PLEDGER,), "networks": ("x", "bluesky")},
    {"hashtag": "childlabour", "countries": ("FR",)},
    {"languages": ("fr",), "pledgers_only": True, "hashtag": "wdacl"},
]


def test_every_figure_recounted_from_the_posts(
        recount_db: tuple[TrackStore, list[Observation]]) -> None:
    """A period across the year's end, aligned on no month, every filter and bucket: what
    build_report says is what counting the posts one by one says (one database for all)."""
    store, posts = recount_db
    for filters in RECOUNT_FILTERS:
        for bucket in ("day", "week", "month"):
            _recount(store, posts, filters, bucket)


def _recount(store: TrackStore, posts: list[Observation], filters: dict[str, object],
             bucket: str) -> None:
    first, last = date(2020, 12, 9), date(2021, 2, 17)
    query = ReportQuery(first, last, bucket=bucket, top=500, **filters)  # type: ignore[arg-type]
    report = build_report(store, query, now=READ)

    def kept(p: Observation) -> bool:
        matched = RECOUNT_MATCHED.get((p.network, p.author.author_id), [])
        audiences = {a for a, _ in matched} or {NOT_A_PLEDGER}
        countries = {c for _, c in matched} or {NOT_A_PLEDGER}
        return (first <= p.created_at.date() <= last
                and (not query.networks or p.network in query.networks)
                and (not query.languages or p.language in query.languages)
                and (not query.hashtag or query.hashtag in p.hashtags)
                and (not query.pledgers_only or bool(matched))
                and (not query.audiences or bool(audiences & set(query.audiences)))
                and (not query.countries or bool(countries & set(query.countries))))

    mine = [p for p in posts if kept(p)]
    assert mine, filters  # the recount needs posts
    who = {(p.network, p.author.author_id) for p in mine}
    followers = {(p.network, p.author.author_id): p.author.followers or 0 for p in mine}
    assert report.totals.posts == len(mine)
    assert report.totals.likes == sum(p.metrics["likes"] for p in mine)
    assert report.totals.repost == sum(p.kind == PostKind.REPOST for p in mine)
    assert report.contributors == len(who)
    assert report.reach.potential_reach == sum(followers[a] for a in who)
    assert report.reach.potential_impressions == sum(p.author.followers or 0 for p in mine)
    assert report.reach.reported_impressions == sum(p.metrics.get("impressions", 0)
                                                    for p in mine)
    assert report.reach.reported_posts == sum("impressions" in p.metrics for p in mine)
    # buckets: posts and contributors
    per: dict[date, list[Observation]] = {}
    for p in mine:
        per.setdefault(bucket_start(p.created_at.date(), bucket), []).append(p)
    assert {pt.start: (pt.counts.posts, pt.contributors) for pt in report.series
            if pt.counts.posts} == {
        b: (len(ps), len({(p.network, p.author.author_id) for p in ps})) for b, ps in per.items()}
    assert report.series[0].start == bucket_start(first, bucket)
    # splits
    for split, key_of in ((report.by_network, lambda p: [p.network]),
                          (report.by_language, lambda p: [p.language]),
                          (report.by_audience, lambda p: sorted({a for a, _ in RECOUNT_MATCHED.get(
                              (p.network, p.author.author_id), [])}) or [NOT_A_PLEDGER]),
                          (report.by_country, lambda p: sorted({c for _, c in RECOUNT_MATCHED.get(
                              (p.network, p.author.author_id), [])}) or [NOT_A_PLEDGER])):
        expected: dict[str, tuple[int, set[tuple[str, str]]]] = {}
        for p in mine:
            for k in key_of(p):
                n, people = expected.setdefault(k, (0, set()))
                expected[k] = (n + 1, people | {(p.network, p.author.author_id)})
        assert {s.key: (s.posts, s.contributors) for s in split} == {
            k: (n, len(people)) for k, (n, people) in expected.items()}
    # co-occurring hashtags (the filtered one left out)
    tags: dict[str, int] = {}
    for p in mine:
        for t in p.hashtags:
            if t != query.hashtag:
                tags[t] = tags.get(t, 0) + 1
    assert {t.tag: t.posts for t in report.tags} == tags
    assert all(t.share == pytest.approx(tags[t.tag] / len(mine)) for t in report.tags)
    # top posts: most engaged first, every matching post (top=500)
    def engagement(p: Observation) -> int:
        return sum(p.metrics[m] for m in ("likes", "reposts", "replies", "quotes"))

    assert sorted(p.remote_id for p in report.top_posts) == sorted(p.remote_id for p in mine)
    got = [engagement(next(p for p in mine if p.remote_id == t.remote_id))
           for t in report.top_posts]
    assert got == sorted(got, reverse=True)
    small = build_report(store, replace(query, top=3), now=READ)
    assert [t.remote_id for t in small.top_posts] == [t.remote_id for t in report.top_posts[:3]]


def test_pledgers_seen_from_the_report_day(
        recount_db: tuple[TrackStore, list[Observation]]) -> None:
    """Active: posts in the month up to --today, within the period, on its networks; the last
    post is never after --today; a --today outside the period is moved into it."""
    for today, networks, month, tag in (
            (date(2021, 1, 10), (), date(2021, 1, 1), None),
            (date(2030, 1, 1), (), date(2021, 2, 1), None),  # after the period: its last day
            (date(2019, 5, 5), (), date(2020, 12, 1), None),  # before it: its first
            (date(2021, 1, 10), ("bluesky",), date(2021, 1, 1), None),  # TravailSN is on X
            (date(2021, 2, 17), (), date(2021, 2, 1), "sdg87")):  # the last post with the tag
        _seen_from(*recount_db, today, networks, month, tag)


def _seen_from(store: TrackStore, posts: list[Observation], today: date,
               networks: tuple[str, ...], month: date, tag: str | None) -> None:
    first, last = date(2020, 12, 9), date(2021, 2, 17)
    report = build_report(store, ReportQuery(first, last, today=today, networks=networks,
                                             hashtag=tag), now=READ)
    day = min(max(today, first), last)
    assert report.month == month
    travail = [p for p in posts if p.author.author_id == "201" and p.created_at.date() <= day
               and (not networks or p.network in networks)
               and (tag is None or tag in p.hashtags)]
    in_month = sum(max(month, first) <= p.created_at.date() for p in travail)
    found = {a.pledge.organisation: a for a in (*report.active, *report.silent)}
    for name in (PLEDGE["name"], "Acme Corp"):  # both pledges name @TravailSN
        assert found[name].posts_in_month >= in_month
    assert found[PLEDGE["name"]].posts_in_month == in_month
    assert found[PLEDGE["name"]].last_post == (
        max(p.created_at for p in travail) if travail else None)
    assert all(a.last_post is None or a.last_post.date() <= day for a in found.values())

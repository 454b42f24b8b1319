"""The tracking pages through the TestClient: filters, refusals naming the field, the chart
images, the self-contained report and story with their own policy, the cache's freshness."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.reports.web import TimedCache, csp_of, read_filters
from tests.conftest import BACKENDS
from tests.web.conftest import Client
from tests.web.tracking_data import HOSTILE_TEXTS, hostile_posts, store_tracked

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture
def tracked(web_db: str, schedule: Schedule) -> str:
    """The dashboard's database with the sample year of tracked posts."""
    store_tracked(web_db, schedule)
    return web_db


@both
def test_the_page_shows_the_report_with_its_charts_and_tables(
        tracked: str, web: Callable[..., Client]) -> None:
    page = web("vic").get("/tracking")
    assert page.status_code == 200
    html = page.text
    for heading in ("Totals", "Reach", "Top posts", "Top contributors", "By network",
                    "Pledgers posting this month", "Pledgers not posting this month"):
        assert heading in html
    images = re.findall(r'<img class="chart" src="([^"]+)" alt="([^"]+)"', html)
    assert [src.split("?")[0] for src, _alt in images] == [
        f"/tracking/chart/{k}.svg" for k in ("time", "network", "language", "audience",
                                            "country", "tags")]
    assert all(alt.strip() for _src, alt in images)
    # hostile texts are escaped; a javascript: link is not a link
    for text in HOSTILE_TEXTS:
        assert text not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/x/hostile-0" rel="noopener noreferrer"' in html
    assert "★" in html  # a pledger among the contributors


@both
def test_filters_narrow_the_report(tracked: str, web: Callable[..., Client]) -> None:
    client = web("eli")
    june = client.get("/tracking?period=2021-06&by=day&network=mastodon&language=en")
    assert june.status_code == 200
    assert "Jun 1, 2021 to Jun 30, 2021" in june.text
    assert 'value="mastodon" selected' in june.text and 'value="day" selected' in june.text
    assert "hostile_one" not in june.text  # an X author, filtered out
    pledgers = client.get("/tracking?pledgers=1&audience=org-business")
    assert pledgers.status_code == 200 and "Acme Corp" in pledgers.text
    assert "hostile_one" not in pledgers.text
    tagged = client.get("/tracking?hashtag=%23WDACL")
    assert tagged.status_code == 200 and "#wdacl" in tagged.text
    french = client.get("/tracking?lang=fr&period=2021-06")
    assert french.status_code == 200 and "Toute l’année 2021" in french.text
    assert '<option value="2021-06" selected>Juin 2021</option>' in french.text
    assert "Publications par jour" in french.text  # the report's own words, in French
    spanish = client.get("/audit?lang=es")
    assert spanish.status_code == 403 and "no lo permite" in spanish.text


BAD_FILTERS = [
    ("period=2021-13", "unknown period '2021-13': choose one of 2021-01"),
    ("period=2020-06", "unknown period '2020-06'"),
    ("by=hour", "unknown by 'hour': choose one of day, month, week"),
    ("network=myspace", "unknown network 'myspace': choose one of bluesky, mastodon, x"),
    ("language=xx", "unknown language 'xx': choose one of en, es, fr"),
    ("country=ZZ", "unknown country 'ZZ'"),
    ("audience=aliens", "unknown stakeholder type 'aliens'"),
    ("hashtag=nosuchtag", "unknown hashtag 'nosuchtag': choose one of"),
    ("hashtag=%23", "give a hashtag"),
    ("pledgers=maybe", "unknown pledgers 'maybe'"),
]


@both
def test_a_bad_filter_is_refused_naming_the_field(tracked: str,
                                                  web: Callable[..., Client]) -> None:
    client = web("vic")
    for query, words in BAD_FILTERS:
        for path in ("/tracking", "/tracking/chart/time.svg", "/tracking/report.html"):
            page = client.get(f"{path}?{query}")
            assert page.status_code == 400, (path, query, page.text[:300])
            assert words.replace("'", "&#39;") in page.text, (query, page.text[-800:])


@both
def test_a_chart_is_an_svg_image_without_script(tracked: str, web: Callable[..., Client]) -> None:
    client = web("vic")
    for kind in ("time", "network", "language", "audience", "country", "tags"):
        chart = client.get(f"/tracking/chart/{kind}.svg?period=2021-06&by=week")
        assert chart.status_code == 200
        assert chart.headers["content-type"] == "image/svg+xml"
        assert chart.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<svg" in chart.text and "<script" not in chart.text.lower()
        assert not re.search(r"\son[a-z]+\s*=", chart.text)
    assert client.get("/tracking/chart/pie.svg").status_code == 404


@both
def test_report_and_story_carry_their_own_policy(tracked: str,
                                                 web: Callable[..., Client]) -> None:
    client = web("vic")
    report = client.get("/tracking/report.html?period=2021-06&network=x")
    assert report.status_code == 200
    assert report.headers["content-security-policy"] == csp_of(report.text)
    assert report.headers["content-security-policy"].startswith("default-src 'none'")
    assert 'filename="report-2021-06-01-2021-06-30-en.html"' in report.headers[
        "content-disposition"]
    assert "<svg" in report.text and HOSTILE_TEXTS[0] not in report.text
    story = client.get("/tracking/story.html?lang=es")
    assert story.status_code == 200 and '<html lang="es"' in story.text
    policy = story.headers["content-security-policy"]
    assert policy == csp_of(story.text) and "script-src 'sha256-" in policy
    assert 'filename="story-2021-es.html"' in story.headers["content-disposition"]


@both
def test_a_new_post_shows_at_the_next_request(tracked: str, web: Callable[..., Client]) -> None:
    from campaign.tracking.store import TrackStore

    client = web("vic")
    before = client.get("/tracking?network=x&period=2021-06").text
    assert "a fresh post" not in before
    post = hostile_posts()[0]
    fresh = replace(post, remote_id="x-fresh", text="a fresh post", metrics={"likes": 9000})
    tracks = TrackStore(tracked)
    try:
        tracks.save_posts("fixture", [fresh])
    finally:
        tracks.close()
    assert "a fresh post" in client.get("/tracking?network=x&period=2021-06").text


@both
def test_the_tracking_pages_need_a_sign_in(tracked: str, web: Callable[..., Client]) -> None:
    visitor = web()
    for path in ("/tracking", "/tracking/chart/time.svg", "/tracking/report.html",
                 "/tracking/story.html"):
        answer = visitor.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_an_empty_database_says_so(web: Callable[..., Client]) -> None:
    page = web("vic").get("/tracking")
    assert page.status_code == 200 and "No posts in this period." in page.text
    assert "<img" not in page.text


def test_read_filters_gives_the_query() -> None:
    filters, query = read_filters([("period", "2021-02"), ("network", "X"), ("country", "sn"),
                                   ("hashtag", "#EndChildLabour2021"), ("lang", "fr")],
                                  year=2021)
    assert (query.start.isoformat(), query.end.isoformat()) == ("2021-02-01", "2021-02-28")
    assert query.bucket == "day" and query.networks == ("x",) and query.countries == ("SN",)
    assert query.hashtag == "endchildlabour2021" and filters.hashtag == "#EndChildLabour2021"
    with pytest.raises(CampaignError, match="at most 20 values"):
        read_filters([("network", "x")] * 21, year=2021)


def test_the_cache_keeps_a_value_a_while_and_a_bounded_number() -> None:
    now = [0.0]
    cache = TimedCache(seconds=60, size=2, clock=lambda: now[0])
    made: list[str] = []

    def make(key: str) -> Callable[[], str]:
        def made_now() -> str:
            made.append(key)
            return key

        return made_now

    assert cache.get("a", make("a")) == "a" and cache.get("a", make("a")) == "a"
    assert made == ["a"]
    now[0] = 61
    cache.get("a", make("a"))
    assert made == ["a", "a"]
    cache.get("b", make("b"))
    cache.get("c", make("c"))
    assert len(cache) == 2


def test_the_audit_log_names_actions_and_objects_in_the_language(web: Callable[..., Client],
                                                                  web_db: str) -> None:
    from campaign.users.store import UserStore

    users = UserStore(web_db)
    try:
        users.set_role("vic", "editor", actor="ada")
    finally:
        users.close()
    page = web("ada").get("/audit?lang=es").text
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    login = next(r for r in rows if "session.login" in r)
    assert "inició sesión" in login and "sesión ada" in login
    role = next(r for r in rows if "user.role" in r)
    assert "cambió una función" in role and "usuario vic" in role
    assert "función: lector" in role and "función: redactor" in role

"""The December story's data and page: the months of the calendar with their actions and
observance days, each month's report, the pledgers' posts, the pledges' progress, the year's
totals and costs per currency (never converted); hostile values escaped; fr, en and es; and the
command's exit codes. The data on SQLite and PostgreSQL; the page in Chromium in
test_story_browser.py."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import Result

from campaign.cli.app import SUMMARIES
from campaign.content.schedule import Schedule
from campaign.errors import UsageError
from campaign.reports.story import Chart, Story, build_story, render_story, write_story
from campaign.reports.story_html import inline_svg
from campaign.tracking.store import TrackStore
from tests.conftest import SQLITE_ONLY
from tests.reports.story_data import HOSTILE, NOW, SCRIPT, Year, store_year

LANGUAGES = ("fr", "en", "es")


@pytest.fixture
def year(tracks: TrackStore, schedule: Schedule) -> Year:
    """The small 2021 of story_data, stored in this test's database."""
    return store_year(tracks.url, schedule)


def _story(tracks: TrackStore, schedule: Schedule, language: str = "en", *,
           now: datetime = NOW, charts: bool = False) -> Story:
    return build_story(tracks.url, year=2021, language=language, schedule=schedule, now=now,
                       charts=charts)


def test_the_story_follows_the_year_month_by_month(tracks: TrackStore, schedule: Schedule,
                                                   year: Year) -> None:
    story = _story(tracks, schedule)
    # January is told: the calendar has the pledges and the five quick things in it
    assert [m.month for m in story.months] == list(range(1, 13))
    assert [m.anchor for m in story.months][:2] == ["month-01", "month-02"]
    months = {m.month: m for m in story.months}
    for number, month in months.items():
        assert month.report is not None and not month.future
        assert month.report.totals.posts == year.posts_by_month[number]
        assert month.report.query.bucket == "day"
        assert (month.start, month.end) == (month.report.query.start, month.report.query.end)
        assert [h.text for h in month.highlights] == year.pledger_posts[number]
    # the calendar's actions, in the story's language, each stakeholder pledge told once
    january = [(a.day, a.title, a.audience) for a in months[1].actions]
    assert january[:2] == [(date(2021, 1, 12), "Make your Action Pledge", "stakeholders"),
                           (date(2021, 1, 19), "Make your Action Pledge", "individuals")]
    december = {a.id: a for a in months[12].actions}
    assert "scrollytelling" in december["inspire-12-scrollytelling"].title
    assert december["amplify-12-results"].action.startswith("Share your Action Pledge’s results")
    assert [(o.day, o.title) for o in months[6].observances] == [
        (date(2021, 6, 12), "World Day Against Child Labour")]
    assert not months[2].observances
    # the pledgers' posts: author, organisation and a link
    (june,) = months[6].highlights
    assert (june.network, june.author, june.organisations) == (
        "x", "TravailSN", ("Ministère du Travail du Sénégal",))
    assert june.url.startswith("https://x.com/TravailSN/status/")
    assert months[3].highlights[0].organisations == (f"Acme {HOSTILE}",)
    # pledges: made so far, submitted in the month, lights at the month's end
    assert (months[1].pledges.total, months[2].pledges.submitted) == (0, 1)
    assert (months[3].pledges.submitted, months[3].pledges.total) == (1, 2)
    assert months[4].pledges.total == 3  # the withdrawn one was made too
    assert months[2].pledges.day == date(2021, 2, 28)
    assert sum(months[6].pledges.lights.values()) == 2  # in progress: not the withdrawn one
    assert months[12].pledges.lights["done"] == 1  # Senegal's policy, adopted in November
    # the closing: the year's totals (contributors counted once), statuses, costs per currency
    closing = story.closing
    assert closing.totals.posts == year.posts == story.posts
    assert closing.contributors == 7
    assert closing.reach.potential_reach == 15000 + 800 + sum(50 * i for i in range(1, 6))
    assert closing.reach.reported_posts > 0
    assert (closing.statuses["submitted"], closing.statuses["withdrawn"], closing.pledges) == (
        2, 1, 3)
    assert [(c.currency, c.costs, c.pledges) for c in closing.costs] == [
        ("EUR", Decimal("50000.50"), 1), ("XOF", Decimal("12500000"), 1)]  # no USD: withdrawn
    assert not story.empty
    # the story tells the pledges itself: its reports leave their activity out (working it out
    # for every pledge two dozen times over was most of the story's time)
    assert all(m.report is not None and not m.report.active and not m.report.silent
               for m in story.months)


def test_months_after_the_day_it_is_written_are_still_to_come(
        tracks: TrackStore, schedule: Schedule, year: Year) -> None:
    story = _story(tracks, schedule, now=datetime(2021, 7, 15, 12, tzinfo=UTC))
    months = {m.month: m for m in story.months}
    assert not months[7].future and months[7].pledges.day == date(2021, 7, 15)
    assert months[8].future and months[8].report is None and months[8].actions
    html = render_story(story)
    assert html.count('class="future"') == 5
    assert months[7].report is not None
    assert months[7].report.totals.posts == year.posts_by_month[7]  # what July had by its end
    # the closing counts the months told, not those still to come
    assert story.closing.totals.posts == sum(year.posts_by_month[m] for m in range(1, 8))


@SQLITE_ONLY
def test_an_empty_database_still_tells_the_calendar_and_the_pledges(
        tracks: TrackStore, schedule: Schedule) -> None:
    story = _story(tracks, schedule, "fr")
    assert story.empty and len(story.months) == 12
    assert all(m.report is not None and m.report.empty and m.chart is None
               for m in story.months)
    assert story.months[5].observances
    html = render_story(story)
    assert "Aucune publication n’a été recueillie pour #EndChildLabour2021" in html
    assert "Aucune promesse n’a indiqué de coût." in html


@SQLITE_ONLY
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_in_its_language(tracks: TrackStore, schedule: Schedule, year: Year,
                                     language: str) -> None:
    html = render_story(_story(tracks, schedule, language))
    assert f'<html lang="{language}">' in html
    expected = {
        "fr": ("Juin 2021", "Journée mondiale contre le travail des enfants",
               "12\u202f500\u202f000", "Coûts estimés, par devise", "Aller au récit"),
        "en": ("June 2021", "World Day Against Child Labour", "12,500,000",
               "Estimated costs, per currency", "Skip to the story"),
        "es": ("Junio de 2021", "Día Mundial contra el Trabajo Infantil", "12.500.000",
               "Costos estimados, por moneda", "Saltar al relato"),
    }[language]
    for text in expected:
        assert text in html, text
    for month in range(1, 13):
        assert f'id="month-{month:02d}"' in html
    assert 'id="closing"' in html


@SQLITE_ONLY
def test_hostile_values_stay_text(tracks: TrackStore, schedule: Schedule, year: Year) -> None:
    html = render_story(_story(tracks, schedule))
    assert HOSTILE not in html and SCRIPT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the June post, and Acme's name
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1 and html.count("</script>") == 1
    assert "onerror=" not in html.replace("onerror=alert(1)&gt;", "")


@SQLITE_ONLY
def test_the_policy_allows_exactly_the_inline_script(tracks: TrackStore,
                                                     schedule: Schedule) -> None:
    html = render_story(_story(tracks, schedule))
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    (code,) = re.findall(r"<script>(.*?)</script>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "'unsafe-inline'" not in policy.split("script-src")[1]
    assert not re.search(r"(src|href)=\"(https?:)?//", html.split("<main")[0])


@SQLITE_ONLY
def test_every_month_with_posts_has_its_chart_inline_with_alt_text(
        tracks: TrackStore, schedule: Schedule, year: Year) -> None:
    story = _story(tracks, schedule, "es", charts=True)
    charts = [m.chart for m in story.months]
    assert all(isinstance(c, Chart) and c.mime == "image/svg+xml" and c.alt for c in charts)
    html = render_story(story)
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 12
    assert all('role="img"' in s and 'aria-label="' in s for s in svgs)
    assert html.count("<?xml") == 0 and "<!DOCTYPE svg" not in html
    # each chart's ids are its own: two charts never share an id in the page
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_an_active_svg_is_not_inlined() -> None:
    svg = '<?xml version="1.0"?><svg viewBox="0 0 1 1"><g id="a"/><use href="#a"/></svg>'
    inlined = inline_svg(svg, 'posts <"per"> day', "m1")
    assert inlined is not None
    assert inlined.startswith('<svg viewBox="0 0 1 1" role="img" aria-label="posts &lt;&#34;')
    assert 'id="m1-a"' in inlined and 'href="#m1-a"' in inlined
    for bad in ('<svg><script>alert(1)</script></svg>', '<svg onload="alert(1)"/>',
                '<svg><foreignObject/></svg>', '<svg><a href="javascript:x">x</a></svg>'):
        assert inline_svg(bad, "x", "m1") is None


def test_an_unknown_language_lists_the_choices(schedule: Schedule) -> None:
    with pytest.raises(UsageError, match="choose one of en, es, fr"):
        build_story(None, year=2021, language="de", schedule=schedule)


@SQLITE_ONLY
def test_a_failed_story_leaves_the_old_page(tracks: TrackStore, schedule: Schedule,
                                            tmp_path: Path) -> None:
    out = tmp_path / "story.html"
    out.write_text("the old page")
    with pytest.raises(UsageError):
        write_story(tracks.url, out, year=2021, language="de", schedule=schedule)
    assert out.read_text() == "the old page"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- the command ------------------------------------------------------------------------------
def test_the_help_line_is_the_command_list_summary() -> None:
    from campaign.cli.story import story

    assert story.help is not None and story.help.splitlines()[0] == SUMMARIES["story"]


@SQLITE_ONLY
def test_the_command_writes_the_page_and_says_what(tracks: TrackStore, year: Year,
                                                   run: Callable[..., Result],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "story.html"
    result = run("story", "--out", out, "--lang", "es", "--today", "2021-12-31",
                 "--db", tracks.url)
    assert result.exit_code == 0, result.output
    # in the page's language, numbers too
    said = " ".join(result.output.split())
    # a long path wraps where the terminal ends, inside a word too
    assert said.startswith("✓ Escrito ") and "story.html" in "".join(said.split())
    assert " KB, es)" in said
    assert "12 meses, 105 publicaciones de #EndChildLabour2021 en 2021" in said
    assert '<html lang="es">' in out.read_text(encoding="utf-8")


@SQLITE_ONLY
def test_the_command_on_an_empty_database_still_writes_a_story(
        tracks: TrackStore, run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "story.html"
    result = run("story", "--out", out, "--today", "2021-12-31", "--db", tracks.url)
    assert result.exit_code == 0, result.output
    assert "Aucune publication recueillie pour l’année" in " ".join(result.output.split())
    assert '<html lang="fr">' in out.read_text(encoding="utf-8")


@SQLITE_ONLY
@pytest.mark.parametrize(("where", "said"), [
    ("missing/story.html", "does not exist: create it or choose another --out"),
    ("/proc/story.html", "cannot write in /proc"),
])
def test_a_folder_that_cannot_be_written_is_one_sentence_and_exit_1(
        tracks: TrackStore, run: Callable[..., Result], tmp_path: Path, where: str,
        said: str) -> None:
    out = where if where.startswith("/") else str(tmp_path / where)
    result = run("story", "--out", out, "--db", tracks.url)
    assert result.exit_code == 1, result.output
    assert said in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@SQLITE_ONLY
def test_a_bad_language_or_day_is_exit_2(tracks: TrackStore, run: Callable[..., Result],
                                         tmp_path: Path) -> None:
    for args in (("--lang", "de"), ("--today", "2021-13-01")):
        result = run("story", "--out", tmp_path / "s.html", *args, "--db", tracks.url)
        assert result.exit_code == 2, result.output
    assert not (tmp_path / "s.html").exists()


def test_only_web_addresses_become_links() -> None:
    from campaign.reports.model import TopPost
    from campaign.reports.story import highlighted

    def post(url: str) -> TopPost:
        return TopPost(network="x", remote_id="1", url=url, author="a",
                       created_at=NOW, kind="original", language="en", text="t", likes=1,
                       reposts=0, replies=0, quotes=0, impressions=None)

    kept = ("https://x.com/a/status/1", "HTTP://example.org/p")
    dropped = ("javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
               "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
               "vbscript:x", "https:alert(1)", "//evil.example/x", "http://[::1", "")
    shown = highlighted([post(u) for u in kept + dropped])
    assert [h.url for h in shown] == [*kept, *[""] * len(dropped)]


@SQLITE_ONLY
def test_a_year_with_no_posts_is_a_story_of_its_calendar(
        tracks: TrackStore, year: Year, run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "story.html"
    result = run("story", "--out", out, "--lang", "en", "--year", "2022", "--today",
                 "2022-12-31", "--db", tracks.url)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "12 months, 0 posts of #EndChildLabour2021 in 2022" in said
    assert "No posts were collected for the year" in said
    page = out.read_text(encoding="utf-8")
    assert "#EndChildLabour2021: the year 2022" in page and "June 2022" in page

"""The calendar pages through the routes, on SQLite and PostgreSQL: a month and a week of the
queue and the schedule with observance days, filters, bad periods and filters refused with a
sentence, and the ICS file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import BACKENDS
from tests.queue.queuecal_seed import HOSTILE, Seeded
from tests.web.conftest import Client

both = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@both
def test_the_month_shows_observances_entries_and_posts(web: Callable[..., Client],
                                                       seeded: Seeded) -> None:
    page = web("vic").get("/calendar?view=month&month=2021-06")
    assert page.status_code == 200
    text = page.text
    assert "World Day Against Child Labour" in text  # the observance, marked on its day
    assert 'class="observance"' in text
    assert "June 2021" in text and 'aria-current="date"' in text  # today: 1 June 2021
    assert "/calendar?view=week&week=2021-06-12" in text  # a day's "more" goes to its week
    assert "more posts" in text
    assert "<caption>" in text
    # previous and next months
    assert "month=2021-05" in text and "month=2021-07" in text
    assert HOSTILE not in text  # titles are shown, never a post's raw text


@both
def test_the_month_follows_the_language(web: Callable[..., Client], seeded: Seeded) -> None:
    page = web("vic").get("/calendar?month=2021-06&lang=fr")
    assert "Journée mondiale contre le travail des enfants" in page.text
    assert "juin 2021" in page.text


@both
def test_the_week_lists_more_posts_and_counts_the_rest(web: Callable[..., Client],
                                                       seeded: Seeded) -> None:
    page = web("eli").get("/calendar?view=week&week=2021-06-12")
    assert page.status_code == 200
    assert "Week of" in page.text and "Monday, June 7, 2021" in page.text
    assert "/queue?day=2021-06-12" in page.text


@both
def test_filters_narrow_the_posts(web: Callable[..., Client], seeded: Seeded) -> None:
    client = web("vic")
    everything = client.get("/calendar?view=week&week=2021-06-05").text
    failed = client.get("/calendar?view=week&week=2021-06-05&status=failed").text
    x_only = client.get("/calendar?view=week&week=2021-06-05&network=x&language=fr").text
    assert "failed" in failed and "status-published" not in failed
    assert "status-published" in everything
    assert "bluesky ·" not in x_only and "x ·" in x_only
    audience = client.get("/calendar?view=month&month=2021-06&audience=individual")
    assert audience.status_code == 200 and 'value="individual" selected' in audience.text


BAD = [
    ("month=2021-13", "month must be a month written YYYY-MM"),
    ("month=june", "month must be a month written YYYY-MM"),
    ("month=1850-01", "in the years 2000 to 2100"),
    ("view=week&week=2021-02-30", "week must be a day written YYYY-MM-DD"),
    ("view=year", "view must be month or week"),
    ("status=lost", "unknown status 'lost'"),
    ("network=myspace", "unknown network 'myspace'"),
    ("account=x%3Dnobody", "unknown account 'x=nobody'"),
    ("audience=martians", "unknown audience 'martians'"),
    ("language=de", "unknown language 'de'"),
]


@both
def test_bad_periods_and_filters_are_refused_with_a_sentence(web: Callable[..., Client]) -> None:
    client = web("vic")
    for path in ("/calendar", "/calendar.ics"):
        for query, words in BAD:
            page = client.get(f"{path}?{query}")
            assert page.status_code == 400, (path, query)
            assert words in page.text.replace("&#39;", "'"), (path, query)


@both
def test_a_visitor_is_sent_to_sign_in(web: Callable[..., Client]) -> None:
    for path in ("/calendar", "/calendar.ics"):
        response = web().get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


@both
def test_the_ics_file_parses_and_has_the_period(web: Callable[..., Client],
                                               seeded: Seeded) -> None:
    from icalendar import Calendar

    response = web("vic").get("/calendar.ics?view=week&week=2021-06-05&network=x")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    summaries = [str(e["summary"]) for e in events]
    assert any(s.startswith("X demo_x") for s in summaries)
    assert not any(s.startswith("Bluesky") for s in summaries)
    assert any("(failed)" in s for s in summaries)
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids))
    again = Calendar.from_ical(web("vic").get("/calendar.ics?view=week&week=2021-06-05&network=x").content)
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(uids)


@both
def test_the_ics_file_keeps_hostile_text_as_text(web: Callable[..., Client],
                                                 seeded: Seeded) -> None:
    from icalendar import Calendar

    response = web("vic").get("/calendar.ics?month=2021-06&network=x")
    events = [e for e in Calendar.from_ical(response.content).walk("VEVENT")
              if str(e.get("description", "")) == HOSTILE]
    assert len(events) == 1  # the text comes back exactly, escaped in the file
    assert "<img" not in response.text.split("DESCRIPTION")[0]

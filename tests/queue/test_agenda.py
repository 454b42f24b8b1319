"""The calendar's read model on SQLite and PostgreSQL: days on the campaign's clocks across DST
and month ends, the schedule's entries and observance days, filters, the posts listed per day
and the rest counted, and the ICS file's bound."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.queue import agenda, agenda_ics
from campaign.queue.filters import Asked
from campaign.queue.models import Status
from campaign.queue.store import Store
from tests.queue.queuecal_seed import Seeded, seed

TODAY = date(2021, 6, 1)


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> Seeded:
    return seed(store, tmp_path)


def month(store: Store, schedule: Schedule, value: str, asked: Asked | None = None,
          language: str = "en") -> agenda.CalendarView:
    return agenda.calendar(store, schedule, asked or Asked(), month=value, today=TODAY,
                           language=language)


def day_of(view: agenda.CalendarView, day: date) -> agenda.Day:
    return next(d for d in view.days if d.day == day)


def move(store: Store, post_id: int, when: str, timezone: str = "Europe/Zurich") -> None:
    post = store.get(post_id)
    store.transition([post_id], post.status, allowed_from=[post.status], actor="test",
                     due_at=datetime.fromisoformat(when), timezone=timezone)


def test_a_month_is_whole_weeks_from_monday(store: Store, schedule: Schedule,
                                            seeded: Seeded) -> None:
    june = month(store, schedule, "2021-06")
    assert (june.start, june.end) == (date(2021, 5, 31), date(2021, 7, 5))
    assert all(len(w) == 7 for w in june.weeks) and june.days[0].day.weekday() == 0
    assert not june.days[0].in_range and june.days[1].in_range
    assert (june.previous, june.next) == ("2021-05", "2021-07")
    assert day_of(june, TODAY).today and sum(d.today for d in june.days) == 1
    assert june.total == seeded.posts


def test_observances_and_entries_on_their_days_in_the_language(store: Store, schedule: Schedule,
                                                               seeded: Seeded) -> None:
    june = month(store, schedule, "2021-06", language="fr")
    world_day = day_of(june, date(2021, 6, 12))
    assert world_day.observances == ("Journée mondiale contre le travail des enfants",)
    assert not world_day.entries  # the observance is the day's mark, not an entry again
    webinar = day_of(june, date(2021, 6, 9))
    assert [e.entry for e in webinar.entries] == ["indiv-06-webinar"]
    assert webinar.entries[0].audiences == "individual"
    assert not any(d.observances for d in june.days if d.day != date(2021, 6, 12))


def test_each_day_lists_its_first_posts_and_counts_the_rest(store: Store, schedule: Schedule,
                                                            seeded: Seeded) -> None:
    june = month(store, schedule, "2021-06")
    world_day = day_of(june, date(2021, 6, 12))
    assert world_day.total == 90 and len(world_day.posts) == agenda.SHOWN["month"]
    assert world_day.more == 90 - agenda.SHOWN["month"]
    dues = [(p.due_at, p.id) for p in world_day.posts]
    assert dues == sorted(dues)
    assert dict(world_day.counts) == {"scheduled": 90}
    first = day_of(june, date(2021, 6, 5))
    assert dict(first.counts) == {
        str(s): n for s, n in {Status.PUBLISHED: len(seeded.published),
                               Status.FAILED: len(seeded.failed),
                               Status.MISSED: first.total - len(seeded.published)
                               - len(seeded.failed)}.items() if n}
    week = agenda.calendar(store, schedule, Asked(), view="week", week="2021-06-12", today=TODAY,
                           language="en")
    assert (week.start, week.end) == (date(2021, 6, 7), date(2021, 6, 14))
    assert len(day_of(week, date(2021, 6, 12)).posts) == agenda.SHOWN["week"]
    assert sum(d.total for d in week.days) == week.total


def test_days_follow_the_campaigns_clocks_across_dst_and_month_ends(
        store: Store, schedule: Schedule, seeded: Seeded) -> None:
    ids = [p.id for p in store.posts(statuses=[Status.SCHEDULED], limit=8)]
    moments = {  # UTC -> the day on Zurich's clocks
        "2021-03-27T23:30:00+00:00": date(2021, 3, 28),  # 00:30 CET
        "2021-03-28T21:59:00+00:00": date(2021, 3, 28),  # 23:59 CEST, after the jump
        "2021-03-28T22:00:00+00:00": date(2021, 3, 29),  # midnight CEST
        "2021-03-31T21:59:59+00:00": date(2021, 3, 31),
        "2021-03-31T22:00:00+00:00": date(2021, 4, 1),  # April, in March's last week
        "2021-10-30T22:30:00+00:00": date(2021, 10, 31),  # 00:30 CEST, before the fall back
        "2021-10-31T22:59:00+00:00": date(2021, 10, 31),  # 23:59 CET
        "2021-10-31T23:00:00+00:00": date(2021, 11, 1),
    }
    for post_id, when in zip(ids, moments, strict=True):
        move(store, post_id, when)
    march, april = month(store, schedule, "2021-03"), month(store, schedule, "2021-04")
    october, november = month(store, schedule, "2021-10"), month(store, schedule, "2021-11")
    for post_id, (when, day) in zip(ids, moments.items(), strict=True):
        found = [d.day for view in (march, april, october, november) for d in view.days
                 if post_id in {p.id for p in d.posts}]
        assert found and set(found) == {day}, when
    assert day_of(march, date(2021, 4, 1)).total == 1 and not day_of(march, date(2021, 4, 1)).in_range
    assert sum(d.total for d in march.days if d.in_range) == 4
    assert day_of(october, date(2021, 10, 31)).total == 2


def test_a_post_on_other_clocks_is_on_the_campaigns_day(store: Store, schedule: Schedule,
                                                        seeded: Seeded) -> None:
    # 22:00 on 31 March in New York (stored in March) is 04:00 on 1 April in Zurich
    post_id = store.posts(statuses=[Status.SCHEDULED], limit=1)[0].id
    move(store, post_id, "2021-04-01T02:00:00+00:00", timezone="America/New_York")
    assert store.get(post_id).due_month == 3
    april = month(store, schedule, "2021-04")
    assert [p.id for p in day_of(april, date(2021, 4, 1)).posts] == [post_id]


def test_filters_narrow_posts_and_entries(store: Store, schedule: Schedule,
                                          seeded: Seeded) -> None:
    x_fr = month(store, schedule, "2021-06", Asked(network=("x",), language=("fr",)))
    assert {p.network for d in x_fr.days for p in d.posts} == {"x"}
    assert {p.language for d in x_fr.days for p in d.posts} == {"fr"}
    assert x_fr.total == seeded.posts // 9
    failed = month(store, schedule, "2021-06", Asked(status=("failed",)))
    assert failed.total == len(seeded.failed) and dict(failed.counts) == {"failed": len(seeded.failed)}
    people = month(store, schedule, "2021-06", Asked(audience=("individual",)))
    assert {p.audience for d in people.days for p in d.posts} == {"individual"}
    assert [e.entry for d in people.days for e in d.entries] == ["indiv-06-webinar",
                                                                 "indiv-06-pledge-progress"]
    organisations = month(store, schedule, "2021-06", Asked(audience=("organisations",)))
    assert "individual" not in {p.audience for d in organisations.days for p in d.posts}
    account = month(store, schedule, "2021-06", Asked(account=("mastodon=demo-mastodon",)))
    assert {p.handle for d in account.days for p in d.posts} == {"demo-mastodon"}
    assert account.filter.entry_networks == ("mastodon",)


@pytest.mark.parametrize(("asked", "period", "words"), [
    (Asked(), {"month": "2021-13"}, "month must be a month written YYYY-MM"),
    (Asked(), {"month": "2101-01"}, "in the years 2000 to 2100"),
    (Asked(), {"view": "week", "week": "12/06/2021"}, "week must be a day written YYYY-MM-DD"),
    (Asked(), {"view": "day"}, "view must be month or week"),
    (Asked(status=("lost",)), {}, "unknown status 'lost'"),
    (Asked(account=("x=nobody",)), {}, "unknown account 'x=nobody'"),
    (Asked(audience=("martians",)), {}, "unknown audience 'martians'"),
])
def test_bad_periods_and_filters_name_the_field(store: Store, schedule: Schedule, asked: Asked,
                                                period: dict[str, str], words: str) -> None:
    with pytest.raises(CampaignError, match=words):
        agenda.calendar(store, schedule, asked, **period, today=TODAY, language="en")


def test_too_many_values_of_one_filter_are_refused() -> None:
    with pytest.raises(CampaignError, match="status must be at most 20 values"):
        Asked.from_query([("status", f"s{i}") for i in range(21)])


def test_the_ics_file_is_bounded_and_says_how_to_narrow_it(
        store: Store, schedule: Schedule, seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    from icalendar import Calendar

    body = agenda_ics.calendar_ics(store, schedule, Asked(), month="2021-06", today=TODAY,
                                   language="es")
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    assert len(events) == seeded.posts + 4  # every post, and the month's four entries
    assert any(str(e["summary"]) == "Día Mundial contra el Trabajo Infantil" for e in events)
    monkeypatch.setattr(agenda_ics, "MAX_POSTS", 50)
    with pytest.raises(CampaignError, match=r"more than 50 posts.*narrow it with a filter"):
        agenda_ics.calendar_ics(store, schedule, Asked(), month="2021-06", today=TODAY,
                                language="en")
    narrow = agenda_ics.calendar_ics(store, schedule, Asked(status=("failed",)), month="2021-06",
                                     today=TODAY, language="en")
    assert len([e for e in Calendar.from_ical(narrow).walk("VEVENT")
                if "@" in str(e["uid"]) and str(e["uid"]).endswith(".queue")]) == len(seeded.failed)


def test_the_same_data_gives_the_same_file(store: Store, schedule: Schedule,
                                           seeded: Seeded) -> None:
    first = agenda_ics.calendar_ics(store, schedule, Asked(), view="week", week="2021-06-12",
                                    today=TODAY, language="en")
    again = agenda_ics.calendar_ics(store, schedule, Asked(), view="week", week="2021-06-12",
                                    today=TODAY, language="en")
    assert first == again


def test_an_empty_queue_still_shows_the_schedule(store: Store, schedule: Schedule) -> None:
    june = month(store, schedule, "2021-06")
    assert june.total == 0 and day_of(june, date(2021, 6, 12)).observances
    assert datetime(2021, 6, 1, tzinfo=UTC) > june.filter.start  # type: ignore[operator]

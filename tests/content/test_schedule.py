"""The shipped schedule carries the whole guide; date rules resolve as documented."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from campaign.content.resources import data_dir
from campaign.content.schedule import Schedule, load_schedule
from tests.conftest import MINIMAL


def test_campaign_metadata(schedule: Schedule) -> None:
    camp = schedule.campaign
    assert camp.hashtag == "#EndChildLabour2021"
    assert set(camp.hashtags) == {"#EndChildLabour", "#LabourDay", "#LiteracyDay", "#ChildrensDay"}
    assert camp.site == "https://endchildlabour2021.org"
    assert camp.contact == "2021@alliance87.org"
    assert (camp.year, camp.languages, camp.timezone) == (2021, ("fr", "en", "es"), "Europe/Zurich")


def test_every_stakeholder_kind_is_an_audience(schedule: Schedule) -> None:
    kinds = {a.kind for a in schedule.audiences}
    assert kinds == {"regional", "country", "organisation", "individual"}
    assert len(schedule.expand_audiences(["organisations"])) == 7
    assert len(schedule.expand_audiences(["everyone"])) == 10


def test_stakeholders_have_an_inspirer_action_every_month_feb_to_dec(schedule: Schedule) -> None:
    stakeholders = schedule.expand_audiences(["stakeholders"])
    months = {o.due.month for o in schedule.occurrences
              if o.entry.part == "inspirer" and o.entry.kind == "action"
              and set(o.audiences) == stakeholders}
    assert months == set(range(2, 13))


def test_individuals_have_their_own_calendar_each_month(schedule: Schedule) -> None:
    months = {o.due.month for o in schedule.occurrences
              if o.entry.id.startswith("indiv-") and o.audiences == ("individual",)}
    assert months == set(range(2, 13))


@pytest.mark.parametrize(("entry", "day"), [
    ("labour-day", date(2021, 5, 1)),
    ("world-day-against-child-labour", date(2021, 6, 12)),
    ("world-day-against-trafficking", date(2021, 7, 30)),
    ("literacy-day", date(2021, 9, 8)),
    ("mental-health-day", date(2021, 10, 10)),
    ("childrens-day", date(2021, 11, 20)),
    ("human-rights-day", date(2021, 12, 10)),
], ids=str)
def test_observance_days_are_day_bound_on_their_date(schedule: Schedule, entry: str,
                                                     day: date) -> None:
    occ = schedule.occurrence_by_id[entry]
    assert occ.due.date() == day
    assert occ.day_bound
    assert len(occ.audiences) == 10


def test_five_quick_things(schedule: Schedule) -> None:
    quick = [o for o in schedule.occurrences if o.entry.id.startswith("quick-")]
    assert len(quick) == 5
    assert [o.due.date().day for o in quick] == [21, 22, 23, 24, 25]


def test_relative_and_month_rules(schedule: Schedule) -> None:
    assert schedule.occurrence_by_id["inspire-06-live-event"].due.date() == date(2021, 6, 5)
    assert schedule.occurrence_by_id["inspire-02-selfie-video"].due.date() == date(2021, 2, 2)
    assert schedule.occurrence_by_id["inspire-02-selfie-video"].due.hour == 10


def test_entry_time_and_timezone_of_its_own(tiny: Callable[..., Path]) -> None:
    text = MINIMAL.replace("    date: 2030-03-01", "    date: 2030-03-01\n    time: \"18:45\"\n"
                           "    timezone: America/Sao_Paulo")
    occ = load_schedule(tiny(text)).occurrence_by_id["hello"]
    assert (occ.due.hour, occ.due.minute, str(occ.due.tzinfo)) == (18, 45, "America/Sao_Paulo")
    later = load_schedule(tiny(text)).occurrence_by_id["later"]
    assert later.due.date() == date(2030, 3, 8)
    assert str(later.due.tzinfo) == "Europe/Paris"


def test_second_example_schedule_is_not_tied_to_2021() -> None:
    example = load_schedule(data_dir("schedules") / "examples" / "cleanair2030.yaml")
    assert example.campaign.hashtag == "#CleanAir2030"
    assert example.campaign.year == 2030
    day = example.occurrence_by_id["world-environment-day"]
    assert str(day.due.tzinfo) == "Europe/Berlin"
    reminder = example.occurrence_by_id["environment-day-reminder"]
    assert reminder.due.date() == date(2030, 6, 3)
    assert example.occurrence_by_id["spring-pledge"].due.date() == date(2030, 4, 10)


def test_relative_loop_is_refused(tiny: Callable[..., Path]) -> None:
    from campaign.errors import ScheduleProblems

    text = MINIMAL.replace("    date: 2030-03-01", "    relative_to: later")
    with pytest.raises(ScheduleProblems, match="relative dates loop"):
        load_schedule(tiny(text))


@pytest.mark.parametrize(("old", "new", "needles"), [
    pytest.param("    name: {en: Person, fr: Personne}\n",
                 "    name: {en: Person, fr: Personne}\n  - id: person\n    kind: country\n"
                 "    name: {en: Again, fr: Encore}\n",
                 ["tiny.yaml:16 at 'audiences[1].id'", "duplicate audience id 'person' (first used at "
                  "line 13): give each audience its own id"], id="duplicate-audience-id"),
    pytest.param("languages: [en, fr]", "languages: [en, fr, en]",
                 ["tiny.yaml:10 at 'campaign.languages[2]'", "language 'en' is listed twice: keep one"],
                 id="duplicate-language"),
    pytest.param("entries:", "groups:\n  a: [b]\n  b: [a]\nentries:",
                 ["tiny.yaml:17 at 'groups.a'", "groups loop: a -> b -> a: a group cannot contain itself"],
                 id="two-groups-in-a-loop"),
    pytest.param("entries:", "groups:\n  all: [person, all]\nentries:",
                 ["tiny.yaml:17 at 'groups.all'", "groups loop: all -> all"], id="group-contains-itself"),
    pytest.param("entries:", "groups:\n  a: [person, b]\n  b: [c]\n  c: [b]\nentries:",
                 ["tiny.yaml:18 at 'groups.b'", "groups loop: b -> c -> b"], id="loop-below-a-group"),
])
def test_duplicates_and_group_loops_are_problems_with_their_line(
        tiny: Callable[..., Path], run: Callable[..., Any], old: str, new: str,
        needles: list[str]) -> None:
    from tests.content.test_bad_input import assert_clean_failure

    assert old in MINIMAL
    path = tiny(MINIMAL.replace(old, new, 1))
    result = run("validate", path)
    assert_clean_failure(result, *needles)
    assert "1 problem found" in result.output  # each loop reported once, not per group in it


def test_a_long_chain_of_groups_and_groups_sharing_members_load_at_once(
        tiny: Callable[..., Path]) -> None:
    import time

    chain = "".join(f"  g{i}: [g{i + 1}]\n" for i in range(3000)) + "  g3000: [person]\n"
    shared = "".join(f"  s{i}: [s{i + 1}, s{i + 1}]\n" for i in range(60)) + "  s60: [person]\n"
    text = MINIMAL.replace("entries:", f"groups:\n{chain}{shared}entries:").replace(
        "audiences: [person]\n    template: hello\n  - id: later",
        "audiences: [g0, s0]\n    template: hello\n  - id: later")
    started = time.perf_counter()
    schedule = load_schedule(tiny(text))
    assert time.perf_counter() - started < 2
    assert schedule.occurrence_by_id["hello"].audiences == ("person",)
    assert schedule.expand_audiences(["g0"]) == {"person"}

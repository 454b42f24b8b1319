"""Calendars that run in any year: load_schedule(year=...) and `--year` move every date, keep
local times in their timezone (DST of the new year), and give each year posts of its own."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from campaign.content.render import RenderedPost, Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import Schedule, load_schedule
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems
from campaign.exporters.ics import event_uid, write_ics
from campaign.queue.models import Account
from campaign.queue.store import Store

ZURICH = ZoneInfo("Europe/Zurich")
WORLD_DAY = "world-day-against-child-labour"
# the identity of one 2021 post as queues and imported calendars have known it: it must not change
WORLD_DAY_2021_KEY = "endchildlabour2021/world-day-against-child-labour/individual/en/x"
WORLD_DAY_2021_UID = "98913b82e8592c365458b2cbace90f99@endchildlabour2021.campaign"


def small(entries: str, *, year: int = 2030, timezone: str = "Europe/Zurich") -> str:
    """A one-audience schedule of ``year`` with the entries given (YAML, indented as a list)."""
    return textwrap.dedent(f"""\
        schema: 1
        templates: tpl
        campaign:
          id: small
          name: {{en: Small campaign, fr: Petite campagne}}
          year: {year}
          hashtag: "#Small"
          site: https://small.example.org
          contact: hi@small.example.org
          languages: [en, fr]
          timezone: {timezone}
          time: "09:00"
          day: 2
        audiences:
          - id: person
            kind: individual
            name: {{en: Person, fr: Personne}}
        entries:
        """) + textwrap.indent(textwrap.dedent(entries), "  ")


def entry(entry_id: str, rule: str, extra: str = "") -> str:
    """One entry of ``small`` with its date rule (one or more YAML lines)."""
    lines = "\n".join([f"id: {entry_id}", f"title: {{en: {entry_id}, fr: {entry_id}}}",
                       *rule.splitlines(), *extra.splitlines(), "audiences: [person]",
                       "template: hello"])
    return "- " + textwrap.indent(lines, "  ")[2:] + "\n"


def due(schedule: Schedule, entry_id: str) -> datetime:
    return schedule.occurrence_by_id[entry_id].due


def one_post(schedule: Schedule, entry_id: str = WORLD_DAY) -> RenderedPost:
    renderer = Renderer(schedule)
    [post] = renderer.posts([schedule.occurrence_by_id[entry_id]], audiences=["individual"],
                            languages=["en"], networks=["x"])
    return post


def problem_of(path: Path, year: int | None) -> str:
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(path, year=year)
    [problem] = caught.value.problems
    assert caught.value.exit_code == 2
    return problem.message


# -- the test: 12 June 2027 09:00 Europe/Zurich ------------------------------------------
def test_world_day_moved_to_2027_is_due_12_june_2027_at_nine_in_zurich() -> None:
    schedule = load_schedule(builtin_schedule(), year=2027)
    world_day = due(schedule, WORLD_DAY)
    assert world_day == datetime(2027, 6, 12, 9, 0, tzinfo=ZURICH)
    assert (world_day.hour, world_day.minute, str(world_day.tzinfo)) == (9, 0, "Europe/Zurich")
    assert world_day.astimezone(UTC) == datetime(2027, 6, 12, 7, 0, tzinfo=UTC)  # CEST, +02:00
    assert (schedule.year, schedule.campaign.year, schedule.file_year, schedule.moved_to) == \
        (2027, 2027, 2021, 2027)


def test_the_files_own_year_is_not_a_move() -> None:
    as_written, same_year = load_schedule(builtin_schedule()), \
        load_schedule(builtin_schedule(), year=2021)
    for schedule in (as_written, same_year):
        assert (schedule.year, schedule.file_year, schedule.moved_to) == (2021, 2021, None)
        assert due(schedule, WORLD_DAY) == datetime(2021, 6, 12, 9, 0, tzinfo=ZURICH)
    assert [o.due for o in as_written.occurrences] == [o.due for o in same_year.occurrences]


@pytest.mark.parametrize("year", [
    pytest.param(2022, id="2022"),
    pytest.param(2024, id="2024-leap-year"),
    pytest.param(2027, id="2027"),
    pytest.param(2000, id="first-year-2000"),
    pytest.param(2100, id="last-year-2100"),
])
def test_every_builtin_entry_keeps_its_day_and_local_time(schedule: Schedule, year: int) -> None:
    moved = load_schedule(builtin_schedule(), year=year)
    # the built-in file has fixed dates, month rules and relative dates, none across 29 February
    before = {o.entry.id: o.due for o in schedule.occurrences}
    after = {o.entry.id: o.due for o in moved.occurrences}
    assert after.keys() == before.keys()
    for entry_id, old in before.items():
        new = after[entry_id]
        assert new.year == year, entry_id
        assert (new.month, new.day, new.hour, new.minute, new.tzinfo) == \
            (old.month, old.day, old.hour, old.minute, old.tzinfo), entry_id


@pytest.mark.parametrize(("entry_id", "expected"), [
    pytest.param("world-day-against-child-labour", date(2027, 6, 12), id="fixed-date"),
    pytest.param("labour-day", date(2027, 5, 1), id="fixed-date-1-may"),
    pytest.param("inspire-02-selfie-video", date(2027, 2, 2), id="month-rule-campaign-day"),
    pytest.param("inspire-05-children-ambitions", date(2027, 5, 5), id="month-rule-own-day"),
    pytest.param("inspire-06-live-event", date(2027, 6, 5), id="relative-7-days-before"),
    pytest.param("indiv-06-webinar", date(2027, 6, 9), id="relative-3-days-before"),
    pytest.param("quick-5-three-friends", date(2027, 1, 25), id="relative-chain-of-four"),
])
def test_builtin_rules_move_to_2027(entry_id: str, expected: date) -> None:
    schedule = load_schedule(builtin_schedule(), year=2027)
    assert due(schedule, entry_id).date() == expected


# -- how each rule moves (a small schedule) ------------------------------------------------------
@pytest.mark.parametrize(("rule", "year", "expected"), [
    pytest.param("date: 2030-06-12", 2027, date(2027, 6, 12), id="date-keeps-month-and-day"),
    pytest.param("date: 2031-01-15", 2035, date(2036, 1, 15), id="date-of-next-year-stays-next"),
    pytest.param("date: 2029-12-20", 2035, date(2034, 12, 20), id="date-of-last-year-stays-last"),
    pytest.param("date: 06-12", None, date(2030, 6, 12), id="month-day-in-files-year"),
    pytest.param("date: 06-12", 2027, date(2027, 6, 12), id="month-day-in-moved-year"),
    pytest.param("month: 3", 2027, date(2027, 3, 2), id="month-on-campaign-day"),
    pytest.param("month: 3\nday: 31", 2027, date(2027, 3, 31), id="month-on-own-day"),
    pytest.param("date: 2032-02-29", 2034, date(2036, 2, 29), id="29-february-into-leap-year"),
])
def test_each_date_rule_moves(tiny: Callable[..., Path], rule: str, year: int | None,
                              expected: date) -> None:
    schedule = load_schedule(tiny(small(entry("one", rule))), year=year)
    assert due(schedule, "one").date() == expected


@pytest.mark.parametrize(("year", "expected"), [
    pytest.param(None, date(2030, 2, 28), id="2030-28-february"),
    pytest.param(2032, date(2032, 2, 29), id="leap-2032-29-february"),
])
def test_a_relative_date_counts_its_days_from_the_moved_anchor(
        tiny: Callable[..., Path], year: int | None, expected: date) -> None:
    text = small(entry("anchor", "date: 2030-03-01")
                 + entry("eve", "relative_to: anchor\noffset_days: -1"))
    assert due(load_schedule(tiny(text), year=year), "eve").date() == expected


@pytest.mark.parametrize(("rule", "year", "utc_hour"), [
    # the last Sunday of March, when Zurich moves to summer time, is 28 March in 2021 and 2027
    # but 29 March in 2026: the same 28 March 09:00 is 07:00 UTC, then 08:00, then 07:00 again
    pytest.param("date: 2021-03-28", None, 7, id="28-march-2021-summer-time"),
    pytest.param("date: 2021-03-28", 2026, 8, id="28-march-2026-still-winter-time"),
    pytest.param("date: 2021-03-28", 2027, 7, id="28-march-2027-summer-time"),
    # the last Sunday of October: 31 October 2021, 25 October 2026
    pytest.param("date: 2021-10-30", None, 7, id="30-october-2021-still-summer-time"),
    pytest.param("date: 2021-10-30", 2026, 8, id="30-october-2026-winter-time"),
    pytest.param("date: 2021-06-12", 2027, 7, id="12-june-2027-summer-time"),
    pytest.param("date: 2021-12-10", 2027, 8, id="10-december-2027-winter-time"),
])
def test_daylight_saving_time_is_that_of_the_moved_date(
        tiny: Callable[..., Path], rule: str, year: int | None, utc_hour: int) -> None:
    schedule = load_schedule(tiny(small(entry("one", rule), year=2021)), year=year)
    local = due(schedule, "one")
    assert (local.hour, local.minute, str(local.tzinfo)) == (9, 0, "Europe/Zurich")
    assert local.astimezone(UTC).hour == utc_hour


@pytest.mark.parametrize(("year", "local_hour", "utc"), [
    # 31 March 2030 and 2024 are days Paris skips 02:00-03:00 (the last Sunday of March): 02:30
    # is read as the wall clock shows it, 03:30 summer time; in 2031 it is a Monday, 02:30 exists
    pytest.param(None, 3, datetime(2030, 3, 31, 1, 30, tzinfo=UTC), id="2030-skipped-03-30"),
    pytest.param(2024, 3, datetime(2024, 3, 31, 1, 30, tzinfo=UTC), id="2024-skipped-03-30"),
    pytest.param(2031, 2, datetime(2031, 3, 31, 0, 30, tzinfo=UTC), id="2031-plain-02-30"),
])
def test_a_time_the_clocks_skip_in_the_moved_year_is_placed_as_the_wall_clock_shows_it(
        tiny: Callable[..., Path], year: int | None, local_hour: int, utc: datetime) -> None:
    text = small(entry("night", "month: 3\nday: 31", 'time: "02:30"'), timezone="Europe/Paris")
    local = due(load_schedule(tiny(text), year=year), "night")
    assert (local.hour, local.minute) == (local_hour, 30)
    assert local.astimezone(UTC) == utc


# -- what prints the year ------------------------------------------------------------------------
def test_templates_and_the_calendar_title_see_the_moved_year(tmp_path: Path) -> None:
    schedule = load_schedule(builtin_schedule(), year=2027)
    post = one_post(schedule, "quick-4-support")
    assert "In 2027, I’m supporting them" in post.text
    out = tmp_path / "2027.ics"
    write_ics([post], schedule, out)
    assert "X-WR-CALNAME:#EndChildLabour2021 (2027)" in out.read_text(encoding="utf-8")


# -- identity per year ---------------------------------------------------------------------------
def test_the_files_own_year_keeps_its_key_and_uid(schedule: Schedule) -> None:
    for year in (None, 2021):
        post = one_post(load_schedule(builtin_schedule(), year=year) if year else schedule)
        assert post.key == WORLD_DAY_2021_KEY
        assert event_uid(post) == WORLD_DAY_2021_UID


def test_another_year_has_its_own_key_and_uid_the_same_at_every_load() -> None:
    first, again = (one_post(load_schedule(builtin_schedule(), year=2027)) for _ in range(2))
    assert first.key == again.key == \
        "endchildlabour2021@2027/world-day-against-child-labour/individual/en/x"
    assert event_uid(first) == event_uid(again) != WORLD_DAY_2021_UID
    assert event_uid(first).endswith("@endchildlabour2021.campaign")


def _uids(path: Path) -> list[str]:
    return re.findall(r"^UID:(\S+)\r?$", path.read_text(encoding="utf-8"), flags=re.M)


def test_ics_uids_differ_per_year_and_stay_per_year(tmp_path: Path) -> None:
    uids: dict[tuple[int, int], list[str]] = {}
    for run in (1, 2):
        for year in (2021, 2027, 2028):
            schedule = load_schedule(builtin_schedule(), year=year)
            posts = list(Renderer(schedule).posts(schedule.select(months=[6])))
            out = tmp_path / f"{year}-{run}.ics"
            write_ics(posts, schedule, out)
            uids[year, run] = _uids(out)
    for year in (2021, 2027, 2028):
        assert uids[year, 1] == uids[year, 2]  # generated again: the same events, updated
        assert len(set(uids[year, 1])) == len(uids[year, 1]) > 100
    assert not set(uids[2021, 1]) & set(uids[2027, 1])
    assert not set(uids[2027, 1]) & set(uids[2028, 1])
    assert WORLD_DAY_2021_UID in uids[2021, 1]


def _accounts(store: Store) -> dict[str, Account]:
    handles = {"x": "demo_x", "bluesky": "demo.test", "mastodon": "demo-mastodon"}
    return {network: store.add_account(network, handle) for network, handle in handles.items()}


def _posts(year: int) -> list[RenderedPost]:
    schedule = load_schedule(builtin_schedule(), year=year)
    return list(Renderer(schedule).posts(schedule.occurrences, languages=["en"]))


def test_planning_2021_then_2027_queues_both_years_side_by_side(store: Store) -> None:
    accounts = _accounts(store)
    posts_2021, posts_2027 = _posts(2021), _posts(2027)
    assert len(posts_2021) == len(posts_2027) > 100
    first = store.plan(posts_2021, accounts)
    assert (first.added, first.updated, first.unchanged) == (len(posts_2021), 0, 0)
    second = store.plan(posts_2027, accounts)
    # another year adds its posts and leaves the other year's alone
    assert (second.added, second.updated, second.unchanged, second.kept_final) == \
        (len(posts_2027), 0, 0, 0)
    again = store.plan(posts_2021, accounts)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(posts_2021))
    assert store.counts() == {"scheduled": len(posts_2021) + len(posts_2027)}
    queued = store.posts()
    world_day = sorted(p.due_at.replace(tzinfo=UTC) if p.due_at.tzinfo is None else p.due_at
                       for p in queued if p.post_key.endswith(WORLD_DAY_2021_KEY.split("/", 1)[1]))
    assert world_day == [datetime(2021, 6, 12, 7, 0, tzinfo=UTC),
                         datetime(2027, 6, 12, 7, 0, tzinfo=UTC)]
    keys = {p.post_key for p in queued}
    assert WORLD_DAY_2021_KEY in keys
    assert "endchildlabour2021@2027/" + WORLD_DAY_2021_KEY.split("/", 1)[1] in keys
    assert {p.campaign for p in queued} == {"endchildlabour2021"}


# -- refused, with file, line, key and what to do -----------------------------------------------
@pytest.mark.parametrize("year", [
    pytest.param(1999, id="1999"),
    pytest.param(2101, id="2101"),
    pytest.param(0, id="year-0"),
    pytest.param(-2021, id="negative"),
    pytest.param(10_000, id="five-digits"),
])
def test_a_year_the_tool_does_not_handle_is_refused_in_one_sentence(year: int) -> None:
    with pytest.raises(CampaignError) as caught:
        load_schedule(builtin_schedule(), year=year)
    message = caught.value.message
    assert caught.value.exit_code == 2
    assert f"to {year}: the tool handles the years 2000 to 2100" in message
    assert "endchildlabour2021.yaml" in message and "\n" not in message


def test_a_year_is_refused_before_the_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="to 1999: the tool handles the years 2000 to 2100"):
        load_schedule(tmp_path / "missing.yaml", year=1999)


@pytest.mark.parametrize(("rule", "key", "what"), [
    pytest.param("date: 2032-02-29", "entries[0].date", "date 2032-02-29", id="fixed-date"),
    pytest.param("date: 02-29", "entries[0].date", "'02-29'", id="month-day"),
    pytest.param("month: 2\nday: 29", "entries[0].day", "month 2, day 29", id="month-rule"),
])
def test_29_february_moved_into_a_year_without_one_is_refused(
        tiny: Callable[..., Path], rule: str, key: str, what: str) -> None:
    path = tiny(small(entry("leap", rule), year=2032))
    assert due(load_schedule(path), "leap").date() == date(2032, 2, 29)  # fine in its own year
    line = 21 if key.endswith("date") else 22
    assert problem_of(path, 2033) == (
        f"{path}:{line} at '{key}': {what} is 29 February, which 2033 does not have (the "
        f"calendar moved from 2032 to 2033): give the entry a day every year has, such as "
        + ("day 28, or month 3 with day 1" if key.endswith("day") else "02-28 or 03-01"))


@pytest.mark.parametrize("written", [
    pytest.param('"٠٦-١٢"', id="arabic-indic-digits"), pytest.param('"06-12\\n"', id="line-break"),
])
def test_a_month_day_is_two_ascii_numbers_and_nothing_else(tiny: Callable[..., Path],
                                                         written: str) -> None:
    path = tiny(small(entry("odd", f"date: {written}")))
    assert problem_of(path, None).startswith(
        f"{path}:21 at 'entries[0].date': impossible or malformed date")


def test_a_month_day_that_no_year_has_is_refused(tiny: Callable[..., Path]) -> None:
    path = tiny(small(entry("never", "date: 02-30")))
    assert problem_of(path, None) == (f"{path}:21 at 'entries[0].date': impossible date "
                                      "'02-30': write a real month and day as MM-DD, or a date "
                                      "as YYYY-MM-DD")


@pytest.mark.parametrize(("entries", "key", "said"), [
    pytest.param(entry("next", "date: 2031-01-15"), "entries[0].date",
                 "date 2031-01-15 moves to 2101 (the calendar moved from 2030 to 2100), outside "
                 "the years 2000-2100", id="fixed-date-into-2101"),
    pytest.param(entry("eve", "date: 2030-12-31")
                 + entry("after", "relative_to: eve\noffset_days: 1"), "entries[1].offset_days",
                 "date 2101-01-01 (the calendar moved from 2030 to 2100) is outside the years "
                 "2000-2100", id="relative-date-into-2101"),
])
def test_a_date_the_move_pushes_past_2100_is_refused(
        tiny: Callable[..., Path], entries: str, key: str, said: str) -> None:
    message = problem_of(tiny(small(entries)), 2100)
    assert f"at '{key}': {said} the tool handles: choose a date within them" in message


def test_every_problem_of_a_move_is_reported_at_once(tiny: Callable[..., Path]) -> None:
    text = small(entry("a", "date: 2032-02-29") + entry("b", "month: 2\nday: 29")
                 + entry("c", "relative_to: a\noffset_days: 1") + entry("d", "date: 2032-03-01"))
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(tiny(text), year=2033)
    # 'c' leans on 'a', which is reported: 'c' is not reported again
    problems = caught.value.problems
    assert [p.key for p in problems if isinstance(p, ScheduleError)] == \
        ["entries[0].date", "entries[1].day"]
    assert len(problems) == 2


# -- the command line: `--year` on every command that reads a schedule --------------------------
def test_calendar_year_2027_lists_2027_dates(run: Callable[..., Result]) -> None:
    result = run("calendar", "--year", "2027", "--json", "--month", "6")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    world_day = next(r for r in rows if r["entry"] == WORLD_DAY)
    assert (world_day["date"], world_day["time"], world_day["timezone"]) == \
        ("2027-06-12", "09:00", "Europe/Zurich")
    assert all(r["date"].startswith("2027-06-") for r in rows)


def test_validate_year_2027_renders_every_post(run: Callable[..., Result]) -> None:
    result = run("validate", "--year", "2027")
    assert result.exit_code == 0, result.output
    assert "no problem found" in result.output


def test_render_year_2027_prints_the_moved_year(run: Callable[..., Result]) -> None:
    result = run("render", "--year", "2027", "--entry", "quick-4-support", "--lang", "en",
                 "--network", "x", "--json")
    assert result.exit_code == 0, result.output
    [post] = json.loads(result.output)
    assert "In 2027" in post["text"]
    assert post["key"].startswith("endchildlabour2021@2027/quick-4-support/")


@pytest.mark.parametrize("years", [
    pytest.param((), id="files-own-year"),
    pytest.param(("--year", "2021"), id="year-2021"),
])
def test_export_ics_of_the_files_own_year_keeps_its_uids(
        run: Callable[..., Result], tmp_path: Path, years: tuple[str, ...]) -> None:
    out = tmp_path / "cal.ics"
    result = run("export", "--format", "ics", "--out", out, "--month", "6", *years)
    assert result.exit_code == 0, result.output
    assert WORLD_DAY_2021_UID in _uids(out)


def test_export_ics_year_2027_has_other_uids_and_times(run: Callable[..., Result],
                                                       tmp_path: Path) -> None:
    files = {}
    for year in ("2021", "2027"):
        files[year] = tmp_path / f"{year}.ics"
        result = run("export", "--format", "ics", "--out", files[year], "--month", "6",
                     "--year", year)
        assert result.exit_code == 0, result.output
    assert not set(_uids(files["2021"])) & set(_uids(files["2027"]))
    text = files["2027"].read_text(encoding="utf-8")
    assert "DTSTART;TZID=Europe/Zurich:20270612T090000" in text
    assert "2021061" not in text.replace("DTSTAMP", "")


def test_kit_year_2027_shows_2027(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("kit", "--out", tmp_path / "kit", "--year", "2027", "--lang", "en")
    assert result.exit_code == 0, result.output
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "kit").rglob("*.html"))
    assert "2027" in pages


@pytest.mark.parametrize("year", [
    pytest.param("1999", id="1999"),
    pytest.param("2101", id="2101"),
])
@pytest.mark.parametrize("command", [
    pytest.param(("validate",), id="validate"),
    pytest.param(("calendar",), id="calendar"),
    pytest.param(("render",), id="render"),
    pytest.param(("export", "--format", "ics", "--out", "{tmp}/x.ics"), id="export"),
    pytest.param(("kit", "--out", "{tmp}/kit"), id="kit"),
])
def test_a_year_outside_2000_2100_exits_2_in_one_sentence(
        run: Callable[..., Result], tmp_path: Path, command: tuple[str, ...], year: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = run(*args, "--year", year)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    said = f"to {year}: the tool handles the years 2000 to 2100, so choose a year among them"
    lines = result.output.strip().splitlines()
    # validate lists what it found ("✗ 1 problem found:" above it); the others say the sentence
    assert len(lines) == (2 if command[0] == "validate" else 1), result.output
    assert said in lines[-1]
    assert not (tmp_path / "x.ics").exists() and not (tmp_path / "kit").exists()


def test_queue_plan_2021_then_2027_adds_and_updates_nothing(
        db_cli: Callable[..., Result]) -> None:
    assert db_cli("db", "upgrade").exit_code == 0
    assert db_cli("accounts", "add", "x", "demo_x").exit_code == 0
    reports = []
    for year in ("2021", "2027", "2021"):
        result = db_cli("queue", "plan", "--year", year, "--month", "6", "--lang", "en",
                        "--account", "x=demo_x", "--json")
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.output))
    planned = reports[0]["added"]
    assert planned > 10
    assert (reports[1]["added"], reports[1]["updated"], reports[1]["unchanged"]) == (planned, 0, 0)
    assert (reports[2]["added"], reports[2]["updated"], reports[2]["unchanged"]) == (0, 0, planned)
    listed = db_cli("queue", "list", "--json")
    assert listed.exit_code == 0, listed.output
    years = {row["due_at"][:4] for row in json.loads(listed.output) if row["entry"] == WORLD_DAY}
    assert years == {"2021", "2027"}


def test_small_fixture_lines_are_where_the_tests_expect(tiny: Callable[..., Path]) -> None:
    # the refusal tests name lines 21 and 22: the first entry's date rule of ``small``
    lines = small(entry("leap", "month: 2\nday: 29")).splitlines()
    assert (lines[20].strip(), lines[21].strip()) == ("month: 2", "day: 29")

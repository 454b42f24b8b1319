"""``campaign pledge progress|review|checkins|report`` through the CLI, on a real database."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from campaign.pledges.models import PledgeStatus
from campaign.pledges.store import PledgeStore, ProgressReport
from tests.pledges.test_progress import new_pledge

Run = Callable[..., Result]


@pytest.fixture
def pledges(database_url: str) -> PledgeStore:
    """A migrated store with two pledges: Senegal's NGO (id 1) and Chile (id 2, no indicator)."""
    store = PledgeStore(database_url)
    store.upgrade()
    store.add(new_pledge())
    store.add(new_pledge(audience="country", name="República de Chile", country="CL",
                         language="es", title="Adoptar una hoja de ruta nacional en 2021",
                         focal_point={"name": "Ana Pérez", "email": "ana@gob.example.cl"},
                         handles={"mastodon": "@chile@mastodon.social"}, indicators=[],
                         cost={"amount": "50000", "currency": "EUR"}))
    return store


def test_progress_records_and_prints_the_light(db_cli: Run, pledges: PledgeStore) -> None:
    result = db_cli("pledge", "progress", "1", "--indicator", "enfants scolarisés", "--value",
                    "250", "--on", "2021-06-30", "--today", "2021-07-01", "--evidence",
                    "https://aide.example.org/juin", "--note", "Deux écoles ouvertes")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "Recorded 250 for 'Enfants scolarisés' of pledge 1 on 2021-06-30.",
        "#1 Aide Enfance  ● on track"]
    assert "50% of the way with 50% of the time gone" in result.output
    (report,) = pledges.get(1).indicators[0].reports
    assert (report.value, report.note, report.evidence) == (
        250.0, "Deux écoles ouvertes", "https://aide.example.org/juin")


def test_progress_prints_an_indicator_name_as_written(db_cli: Run,
                                                      pledges: PledgeStore) -> None:
    hostile = new_pledge(title="Former 500 enseignants en 2021", indicators=[
        {"name": "[link=https://evil.example]Enfants[/]", "unit": "[blink]u[/]",
         "baseline": 0, "target": 500, "deadline": "2021-12-31"}])
    stored = pledges.add(hostile)
    result = db_cli("pledge", "progress", str(stored.id), "-i",
                    "[link=https://evil.example]enfants[/]", "-v", "250", "--on", "2021-06-30",
                    "--today", "2021-07-01")
    assert result.exit_code == 0, result.output
    # rich markup in a pledge's value is printed, never run (no link, no stray backslash)
    words = " ".join(result.output.split())
    assert words.startswith(f"Recorded 250 for '[link=https://evil.example]Enfants[/]' of "
                            f"pledge {stored.id} on 2021-06-30.")
    assert ("● on track [link=https://evil.example]Enfants[/]: 250 of 500 [blink]u[/] by "
            "2021-12-31") in words
    assert "\\" not in result.output


def test_progress_json(db_cli: Run, pledges: PledgeStore) -> None:
    result = db_cli("pledge", "progress", "1", "-i", "Enfants scolarisés", "-v", "100",
                    "--on", "2021-06-30", "--today", "2021-07-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["light"], data["indicators"][0]["light"], data["indicators"][0]["latest"]) == (
        "behind", "behind", 100.0)


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["-i", "Heures", "-v", "3"], "pledge 1 has no indicator 'Heures': its "
                 "indicators are 'Enfants scolarisés'", id="unknown-indicator"),
    pytest.param(["-i", "Enfants scolarisés", "-v", "nan"], "--value nan is not a finite number",
                 id="not-finite"),
    pytest.param(["-i", "Enfants scolarisés", "-v", "3", "--on", "2021-08-01"],
                 "--on 2021-08-01 is in the future (today is 2021-07-01)", id="future"),
    pytest.param(["-i", "Enfants scolarisés", "-v", "3", "--on", "2020-12-01"],
                 "is before pledge 1 was submitted (2021-01-01)", id="before-submission"),
    pytest.param(["-i", "Enfants scolarisés", "-v", "3", "--evidence", "javascript:alert(1)"],
                 "is not an http(s) address", id="evidence-not-http"),
])
def test_a_refused_report_exits_2_and_stores_nothing(db_cli: Run, pledges: PledgeStore,
                                                     args: list[str], message: str) -> None:
    result = db_cli("pledge", "progress", "1", *args, "--today", "2021-07-01")
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert pledges.get(1).indicators[0].reports == ()
    assert [e.action for e in pledges.events(1)] == ["created"]


def test_progress_of_an_unknown_pledge(db_cli: Run, pledges: PledgeStore) -> None:
    result = db_cli("pledge", "progress", "99", "-i", "x", "-v", "1")
    assert result.exit_code == 2
    assert "no pledge has id 99" in result.output


def test_review_defaults_to_the_first_of_july(db_cli: Run, pledges: PledgeStore) -> None:
    pledges.add_progress(1, "Enfants scolarisés", ProgressReport(on=date(2021, 6, 20),
                                                                 value=240))
    result = db_cli("pledge", "review")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Mid-year review on 2021-07-01: 2 active pledges: 1 unknown, 1 on track"
    assert "#2 República de Chile  ? unknown" in lines
    assert "  Ask Ana Pérez <ana@gob.example.cl> (es):" in lines
    assert any(line.startswith("    - ¿Cómo evaluará") for line in lines)
    assert any(line.startswith("    - Après six mois") for line in lines)
    assert all(len(line) <= 80 for line in lines)


def test_review_json_on_a_day(db_cli: Run, pledges: PledgeStore) -> None:
    pledges.set_status(2, PledgeStatus.WITHDRAWN)
    result = db_cli("pledge", "review", "--on", "2021-09-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["day"] == "2021-09-01"
    assert [(p["pledge"], p["light"]) for p in data["pledges"]] == [(1, "silent")]
    assert data["pledges"][0]["focal_email"] == "awa@aide.example.org"
    assert data["pledges"][0]["questions"][1].startswith("Nous n’avons pas de nouvelles")


def test_checkins_table_csv_and_json(db_cli: Run, pledges: PledgeStore,
                                     tmp_path: Path) -> None:
    out = tmp_path / "reminders.csv"
    result = db_cli("pledge", "checkins", "--month", "june", "--today", "2021-06-20",
                    "--csv", out)
    assert result.exit_code == 0, result.output
    assert "No update in June 2021 (counted on 2021-06-20)" in result.output
    assert "Wrote 2 rows to" in result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["pledge"], r["focal_email"], r["days_silent"]) for r in rows] == [
        ("1", "awa@aide.example.org", "170"), ("2", "ana@gob.example.cl", "170")]
    # a handle starting with @ would run as a formula in a spreadsheet: it is guarded
    assert (rows[0]["x"], rows[1]["mastodon"]) == ("'@aideenfance", "'@chile@mastodon.social")
    data = json.loads(db_cli("pledge", "checkins", "--month", "6", "--today", "2021-06-20",
                             "--json").output)
    assert [p["pledge"] for p in data["pledgers"]] == [1, 2]
    assert data["pledgers"][1]["handles"] == {"mastodon": "@chile@mastodon.social"}


def test_checkins_bad_month(db_cli: Run, pledges: PledgeStore) -> None:
    result = db_cli("pledge", "checkins", "--month", "juin")
    assert result.exit_code == 2
    assert "unknown month 'juin'" in result.output


@pytest.mark.parametrize(("lang", "africa", "chile"), [
    pytest.param("en", "Africa", "Chile", id="en"),
    pytest.param("fr", "Afrique", "Chili", id="fr"),
    pytest.param("es", "África", "Chile", id="es"),
])
def test_report_table_fits_80_columns(db_cli: Run, pledges: PledgeStore, lang: str,
                                      africa: str, chile: str) -> None:
    result = db_cli("pledge", "report", "--lang", lang, "--today", "2021-07-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Action Pledges on 2021-07-01: 2 (2 submitted)")
    assert africa in result.output and chile in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_report_table_never_cuts_an_amount(db_cli: Run, pledges: PledgeStore,
                                           tmp_path: Path) -> None:
    pledges.add(new_pledge(title="Former 900 enseignants en 2021",
                           cost={"amount": "999999999999999.99", "currency": "EUR"}))
    rates = tmp_path / "rates.yaml"
    rates.write_text("base: USD\nrates: {EUR: 1.21}\n", encoding="utf-8")
    result = db_cli("pledge", "report", "--today", "2021-07-01", "--rates", rates)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # an amount too wide for its column folds onto a second line, never ends in "…"
    assert "…" not in result.output
    assert "Total in USD: USD\u00a01,210,000,000,060,499.99 (XOF without a rate, left out)" in lines


def test_report_json_csv_and_rates(db_cli: Run, pledges: PledgeStore, tmp_path: Path) -> None:
    rates = tmp_path / "rates.yaml"
    rates.write_text("base: USD\nrates: {EUR: 1.21}\n", encoding="utf-8")
    out = tmp_path / "report.csv"
    result = db_cli("pledge", "report", "--rates", rates, "--csv", out, "--json",
                    "--today", "2021-07-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["statuses"]["submitted"] == 2
    assert [(c["currency"], c["costs"], c["in_base"]) for c in data["costs"]] == [
        ("EUR", "50000", "60500.00"), ("XOF", "25000", None)]
    assert (data["base"], data["total_in_base"], data["unconverted"]) == (
        "USD", "60500.00", ["XOF"])
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["table", "key", "name", "measure", "value"]
    assert ["region", "002", "Africa", "pledges", "1"] in rows
    assert ["cost", "USD", "total", "in USD", "60500.00"] in rows


def test_report_bad_rates_exit_2(db_cli: Run, pledges: PledgeStore, tmp_path: Path) -> None:
    rates = tmp_path / "rates.json"
    rates.write_text('{"base": "USD", "rates": {"EUR": "about 1.2"}}', encoding="utf-8")
    out = tmp_path / "report.csv"
    result = db_cli("pledge", "report", "--rates", rates, "--csv", out)
    assert result.exit_code == 2
    assert "'rates.EUR' 'about 1.2' is not a positive number" in result.output
    assert not out.exists()


def test_progress_commands_on_an_empty_store(db_cli: Run, database_url: str) -> None:
    store = PledgeStore(database_url)
    store.upgrade()
    checkins = db_cli("pledge", "checkins", "--today", "2021-06-20")
    assert (checkins.exit_code, checkins.output) == (0, "No active pledge to remind for June "
                                                        "2021.\n")
    report = db_cli("pledge", "report", "--today", "2021-06-20")
    assert report.exit_code == 0, report.output
    assert report.output.splitlines() == ["Action Pledges on 2021-06-20: 0 (none)",
                                          "Indicators of active pledges: none",
                                          "No estimated costs yet."]
    store.close()


@pytest.mark.parametrize("day", [pytest.param("0001-01-01", id="year-1"),
                                 pytest.param("9999-12-31", id="year-9999"),
                                 pytest.param("1999-12-31", id="before-2000")])
def test_a_today_outside_the_years_2000_to_2100_is_refused(db_cli: Run, pledges: PledgeStore,
                                                           day: str) -> None:
    result = db_cli("pledge", "progress", "1", "-i", "Enfants scolarisés", "-v", "3",
                    "--today", day)
    assert result.exit_code == 2
    assert f"{day} is not a day of the years 2000 to 2100" in result.output
    assert pledges.get(1).indicators[0].reports == ()


@pytest.mark.parametrize("given", [pytest.param("²", id="superscript-two"),
                                   pytest.param("1\x1b[2J", id="escape-sequence"),
                                   pytest.param("1.5", id="a-fraction")])
def test_a_bad_pledge_id_is_a_usage_error(db_cli: Run, pledges: PledgeStore,
                                          given: str) -> None:
    result = db_cli("pledge", "progress", given, "-i", "Enfants scolarisés", "-v", "3")
    assert result.exit_code == 2
    assert "pledge ids are numbers" in result.output
    assert "\x1b" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

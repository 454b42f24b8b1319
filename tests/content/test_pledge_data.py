"""The guide's suggested Action Pledges as data: complete for every stakeholder type, in the
guide's own French, and read as strictly as a schedule."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.pledges import MAX_SUGGESTIONS, MAX_TEXT, Pledges, load_pledges
from campaign.content.schedule import Schedule, load_schedule
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems
from tests.conftest import MINIMAL

BUILTIN = Path(__file__).resolve().parents[2] / "schedules" / "pledges.yaml"
LANGS = ("fr", "en", "es")
# how many pledges the guide suggests to each stakeholder type (its "Partie 1: Agir" pages; the
# second suggestion for international organisations, printed twice there, counted once)
GUIDE_COUNTS = {
    "regional-body": 5, "country": 11, "org-international": 4, "org-government": 3,
    "org-business": 2, "org-workers": 2, "org-civil-society": 3, "org-academic": 3,
    "org-company": 6, "individual": 6,
}


def test_every_stakeholder_type_has_the_guides_suggestions(schedule: Schedule) -> None:
    pledges = schedule.pledges
    assert isinstance(pledges, Pledges)
    assert {a.id for a in schedule.audiences} == set(pledges.audiences) == set(GUIDE_COUNTS)
    for audience_id, count in GUIDE_COUNTS.items():
        for lang in LANGS:
            ideas = pledges.ideas(audience_id, lang)
            assert len(ideas.suggestions) == count, (audience_id, lang)
            assert all(ideas.suggestions), (audience_id, lang)


@pytest.mark.parametrize(("audience_id", "french"), [
    pytest.param("country", "Ratifier la Convention n° 138 en 2021", id="country-c138"),
    pytest.param("regional-body", "Établir un fonds régional en 2021 en vue de mettre fin au "
                 "travail des enfants", id="regional-fund"),
    pytest.param("org-company", "Adhérer à la Plateforme sur le travail des enfants",
                 id="company-platform"),
    pytest.param("individual", "Participer à un concours: participer à un concours de chansons "
                 "ou de bandes dessinées", id="individual-contest"),
])
def test_french_is_the_guides_wording(schedule: Schedule, audience_id: str, french: str) -> None:
    assert schedule.pledges is not None
    assert french in schedule.pledges.ideas(audience_id, "fr").suggestions


def test_translations_differ_from_the_french(schedule: Schedule) -> None:
    assert schedule.pledges is not None
    for audience_id in GUIDE_COUNTS:
        fr = schedule.pledges.ideas(audience_id, "fr").suggestions
        for lang in ("en", "es"):
            other = schedule.pledges.ideas(audience_id, lang).suggestions
            assert not set(fr) & set(other), (audience_id, lang)


def test_forms_and_smart_examples(schedule: Schedule) -> None:
    assert schedule.pledges is not None
    country = schedule.pledges.ideas("country", "fr")
    assert country.form == "https://endchildlabour2021.org/take-action/stakeholders/"
    assert (country.vague, country.smart) == (
        "Protection sociale universelle",
        "Étendre la couverture d’un programme de protection sociale donné de X% d’ici à la fin "
        "2021")
    individual = schedule.pledges.ideas("individual", "en")
    assert individual.form == "https://endchildlabour2021.org/take-action/individuals/"
    assert individual.smart == individual.vague == ""  # the guide gives individuals none
    # every organisation kind shares the guide's one example for organisations
    smart = {schedule.pledges.ideas(a, "es").smart for a in GUIDE_COUNTS if a.startswith("org-")}
    assert len(smart) == 1


def test_an_audience_without_suggestions_gets_the_form_only(schedule: Schedule) -> None:
    assert schedule.pledges is not None
    ideas = schedule.pledges.ideas("nobody", "fr")
    assert ideas.form == schedule.pledges.form and ideas.suggestions == ()


# -- strictness: a pledge file from someone else ------------------------------------------------
AUDIENCES = ("person",)
GOOD = """\
schema: 1
form: https://tiny.example.org/pledge
audiences:
  person:
    suggestions:
      - {en: Write to a decision maker, fr: Écrire à un décideur}
"""


def _write(tmp_path: Path, text: str, name: str = "pledges.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    schedule = tmp_path / "tiny.yaml"
    schedule.write_text("schema: 1\n", encoding="utf-8")
    return schedule


def _load(schedule: Path, name: str = "pledges.yaml") -> Pledges:
    return load_pledges(schedule, name, languages=("en", "fr"), audiences=AUDIENCES, line=2)


def test_a_minimal_pledge_file_loads(tmp_path: Path) -> None:
    pledges = _load(_write(tmp_path, GOOD))
    assert pledges.ideas("person", "fr").suggestions == ("Écrire à un décideur",)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(GOOD.replace("  person:\n", "  person:\n    colour: red\n"),
                 "pledges.yaml:5 at 'audiences.person.colour': unknown key 'colour'",
                 id="unknown-key"),
    pytest.param(GOOD.replace("  person:", "  nobody:"),
                 "pledges.yaml:4 at 'audiences.nobody': unknown audience 'nobody'",
                 id="unknown-audience"),
    pytest.param(GOOD.replace(", fr: Écrire à un décideur", ""),
                 "at 'audiences.person.suggestions[0]': has no text for language fr",
                 id="missing-language"),
    pytest.param(GOOD.replace("Write to a decision maker", "w" * (MAX_TEXT + 1)),
                 f"at most {MAX_TEXT} characters", id="text-too-long"),
    pytest.param(GOOD.replace("      - {en: Write to a decision maker, fr: Écrire à un décideur}\n",
                              "      - {en: a, fr: b}\n" * (MAX_SUGGESTIONS + 1)),
                 f"at most {MAX_SUGGESTIONS} items", id="too-many-suggestions"),
    pytest.param(GOOD.replace("    suggestions:\n      - {en: Write to a decision maker, fr: "
                              "Écrire à un décideur}\n", "    suggestions: []\n"),
                 "at least 1 item", id="no-suggestion"),
    pytest.param(GOOD.replace("https://tiny.example.org/pledge", "javascript:alert(1)"),
                 "pledges.yaml:2 at 'form': string should match pattern", id="not-a-link"),
    pytest.param(GOOD.replace("schema: 1", "schema: 2"),
                 "pledge file schema 2 is not supported", id="other-schema"),
    pytest.param("- just\n- a list\n", "must be a YAML mapping", id="not-a-mapping"),
    pytest.param("schema: 1\nform: &f https://tiny.example.org\nother: *f\n",
                 "YAML aliases (*name) are not accepted", id="alias"),
    pytest.param(GOOD.replace("form: https://tiny.example.org/pledge",
                              "form: !!python/object/apply:os.system [ls]"),
                 "pledges.yaml:2", id="object-tag"),
    pytest.param(GOOD.replace("Write to", "Write\x1b[2J to"), "control character",
                 id="control-character"),
])
def test_a_bad_pledge_file_is_refused_naming_its_line(tmp_path: Path, text: str,
                                                       expected: str) -> None:
    with pytest.raises(CampaignError) as caught:
        _load(_write(tmp_path, text))
    assert expected in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("name", [
    pytest.param("../pledges.yaml", id="climbs-out"),
    pytest.param("/etc/passwd", id="absolute"),
    pytest.param("", id="empty"),
])
def test_the_pledge_file_must_lie_in_the_schedules_folder(tmp_path: Path, name: str) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(ScheduleError) as caught:
        _load(_write(inner, GOOD), name)
    assert "tiny.yaml:2 at 'pledges'" in caught.value.message
    assert "inside its folder" in caught.value.message


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_link_to_a_file_elsewhere_is_refused(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "private.yaml").write_text(GOOD, encoding="utf-8")
    (inner / "pledges.yaml").symlink_to(tmp_path / "private.yaml")
    schedule = inner / "tiny.yaml"
    schedule.write_text("schema: 1\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match="outside the schedule's folder"):
        _load(schedule)


@pytest.mark.parametrize(("make", "expected"), [
    pytest.param(lambda folder: None, "does not exist", id="missing"),
    pytest.param(lambda folder: (folder / "pledges.yaml").mkdir(), "is a folder", id="folder"),
    pytest.param(lambda folder: os.mkfifo(folder / "pledges.yaml"), "is not a regular file",
                 id="named-pipe", marks=pytest.mark.skipif(os.name == "nt", reason="no FIFOs")),
])
def test_a_pledge_file_that_is_not_a_file_is_named_at_the_schedules_line(
        tmp_path: Path, make: Callable[[Path], object], expected: str) -> None:
    # the schedule's 'pledges' key is what to fix: a bare "file not found" about a path the
    # reader never typed would not say which key of which file to change
    schedule = tmp_path / "tiny.yaml"
    schedule.write_text("schema: 1\n", encoding="utf-8")
    make(tmp_path)
    with pytest.raises(ScheduleError) as caught:
        _load(schedule)
    assert f"tiny.yaml:2 at 'pledges': pledge file 'pledges.yaml' {expected}" \
        in caught.value.message
    assert caught.value.exit_code == 2


def test_a_huge_pledge_file_is_refused_unread(tmp_path: Path) -> None:
    schedule = _write(tmp_path, GOOD + "# " + "x" * 5000 + "\n")
    with pytest.raises(ScheduleError, match="bytes"):
        load_pledges(schedule, "pledges.yaml", languages=("en",), audiences=AUDIENCES,
                     max_bytes=1000)


def test_the_schedule_reports_pledge_problems_with_its_own(
        tiny: Callable[..., Path]) -> None:
    path = tiny(MINIMAL.replace("templates: tpl\n", "templates: tpl\npledges: pledges.yaml\n")
                .replace("timezone: Europe/Paris", "timezone: Europe/Nowhere"))
    (path.parent / "pledges.yaml").write_text(GOOD.replace("  person:", "  nobody:"),
                                              encoding="utf-8")
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(path)
    messages = [p.message for p in caught.value.problems]
    assert any("unknown timezone" in m for m in messages)
    assert any("pledges.yaml:4 at 'audiences.nobody': unknown audience" in m for m in messages)


def test_validate_exits_2_on_a_bad_pledge_file(tiny: Callable[..., Path],
                                               run: Callable[..., Result]) -> None:
    path = tiny(MINIMAL.replace("templates: tpl\n", "templates: tpl\npledges: pledges.yaml\n"))
    (path.parent / "pledges.yaml").write_text(GOOD.replace(", fr: Écrire à un décideur", ""),
                                              encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 2
    assert "has no text for language fr" in result.output
    assert "Traceback" not in result.output


def test_the_builtin_file_is_small_and_bounded() -> None:
    assert BUILTIN.stat().st_size < 50_000

"""``campaign pledge check``: the verdicts in the terminal (80 columns, the pledge's language) or
as JSON, --strict, stdin, and the bad input that exits 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli

VAGUE = "Sensibiliser et mettre fin au travail des enfants"
SMART = ("Tenir une conférence en 2021 où les États membres adoptent d’une feuille de route "
         "régionale pour l’élimination du travail des enfants")


def check(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["pledge", "check", *args], input=stdin)


@pytest.mark.parametrize(("lang", "text", "lines"), [
    pytest.param("fr", VAGUE, ["✗ Spécifique", "✗ Mesurable", "? Atteignable", "✗ Réaliste",
                               "✗ Temporellement définie"], id="fr"),
    pytest.param("en", "Hold a conference in 2021 at which member States adopt a regional "
                 "roadmap", ["✓ Specific", "? Measurable", "? Achievable", "? Realistic",
                             "✓ Time-bound"], id="en"),
    pytest.param("es", "Modificar X convenios colectivos antes de finales de 2021",
                 ["✓ Específica", "✓ Medible", "? Alcanzable", "? Realista",
                  "✓ Con plazo definido"], id="es"),
])
def test_one_line_per_criterion_in_the_pledges_language(lang: str, text: str,
                                                        lines: list[str]) -> None:
    result = check(text, "--lang", lang)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert out[0].startswith(f"SMART check ({lang}, ")
    starts = [line for line in out if line[:1] in "✓✗?"]
    assert [s[:len(want)] for s, want in zip(starts, lines, strict=True)] == lines
    assert all(len(line) <= 80 and line == line.rstrip() for line in out)


def test_the_why_and_the_fix_are_shown() -> None:
    out = check(VAGUE, "--lang", "fr").output
    assert "«Sensibiliser»" in out and "→ Commencez par une action concrète" in out
    assert "Comment évaluerez-vous" not in out  # measurable is false here, not a question
    assert "Quelles mesures spécifiques devront être prises" in out


def test_json_has_the_issues_shape() -> None:
    result = check(SMART, "--lang", "fr", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert list(data) == ["lang", "words", "criteria"]
    assert data["lang"] == "fr" and data["words"] == 21
    assert list(data["criteria"]) == ["specific", "measurable", "achievable", "realistic",
                                      "time_bound"]
    assert {c["ok"] for c in data["criteria"].values()} == {True, None}
    assert all(list(c) == ["ok", "why", "suggestion"] for c in data["criteria"].values())
    assert data["criteria"]["measurable"]["why"] == ("Comment évaluerez-vous que la promesse "
                                                     "a été tenue?")


@pytest.mark.parametrize(("text", "strict", "code"), [
    pytest.param(VAGUE, True, 1, id="strict-and-a-criterion-false"),
    pytest.param(VAGUE, False, 0, id="not-strict"),
    pytest.param(SMART, True, 0, id="strict-with-only-questions-left"),
])
def test_strict_exits_1_when_a_criterion_is_false(text: str, strict: bool, code: int) -> None:
    result = check(text, "--lang", "fr", *(["--strict"] if strict else []))
    assert result.exit_code == code, result.output
    assert "SMART check" in result.output


def test_strict_json_still_prints_the_verdicts() -> None:
    result = check(VAGUE, "--lang", "fr", "--strict", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["criteria"]["specific"]["ok"] is False


def test_a_dash_reads_the_text_from_stdin() -> None:
    result = check("-", "--lang", "en", "--json", stdin="Adopt a national policy by June 2021\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["criteria"]["time_bound"]["ok"] is True


def test_the_year_option() -> None:
    data = json.loads(check("Adopter une loi en 2027", "--lang", "fr", "--year", "2027",
                            "--json").output)
    assert data["criteria"]["time_bound"]["ok"] is True
    assert "2027" in data["criteria"]["achievable"]["why"]


@pytest.mark.parametrize(("args", "stdin", "said"), [
    pytest.param(["Adopt a law", "--lang", "de"], None, "choose one of fr, en, es",
                 id="unknown-lang"),
    pytest.param(["", "--lang", "fr"], None, "no pledge text", id="empty-text"),
    pytest.param(["  \n", "--lang", "fr"], None, "no pledge text", id="blank-text"),
    pytest.param(["-", "--lang", "fr"], "", "no pledge text", id="empty-stdin"),
    pytest.param(["Adopt a law"], None, "--lang", id="no-lang"),
])
def test_bad_input_exits_2(args: list[str], stdin: str | None, said: str) -> None:
    result = check(*args, stdin=stdin)
    assert result.exit_code == 2
    assert said in result.stderr and "Traceback" not in result.output


def test_the_pledges_words_are_printed_inert() -> None:
    text = "Tenir une [bold red]conférence \x1b[31men 2021\x1b[0m \x1b]8;;http://x\x07lien"
    result = check(text, "--lang", "fr")
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x07" not in result.output
    # rich markup printed as text
    assert "«Tenir une [bold red]conférence»" in " ".join(result.output.split())

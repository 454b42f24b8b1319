"""The SMART check on the guide's own examples: its three vague-to-SMART pairs, and every pledge it
suggests to every stakeholder type, in French, English and Spanish; the public API and its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError
from campaign.pledges.form import PledgeForm
from campaign.pledges.smart import (
    CRITERIA,
    SMART_LANGUAGES,
    EmptyPledgeText,
    SmartLanguageError,
    SmartResult,
    check_pledge,
    check_text,
)
from campaign.pledges.words import count_words

LANGS = ("fr", "en", "es")
MARK = {"✓": True, "✗": False, "?": None}


def verdicts(result: SmartResult) -> str:
    """The five verdicts as marks, in CRITERIA order: specific, measurable, achievable,
    realistic, time-bound."""
    back = {v: k for k, v in MARK.items()}
    return " ".join(back[result.criteria[name].ok] for name in CRITERIA)


# -- the guide's SMART examples: each vague pledge and the SMART one it becomes --------------------
# the French is the guide's own wording, slip included: «adoptent d’une feuille de route»
EXAMPLES = [
    pytest.param("regional-body", "vague", "✗ ✗ ? ✗ ✗", id="regional-vague"),
    pytest.param("regional-body", "smart", "✓ ? ? ? ✓", id="regional-smart"),
    pytest.param("country", "vague", "✗ ✗ ? ? ✗", id="country-vague"),
    pytest.param("country", "smart", "✓ ✓ ? ✓ ✓", id="country-smart"),
    pytest.param("org-workers", "vague", "✗ ✗ ? ? ✗", id="organisations-vague"),
    pytest.param("org-workers", "smart", "✓ ✓ ? ? ✓", id="organisations-smart"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("audience", "which", "expected"), EXAMPLES)
def test_the_guides_smart_examples(schedule: Schedule, audience: str, which: str,
                                   expected: str, lang: str) -> None:
    assert schedule.pledges is not None
    ideas = schedule.pledges.ideas(audience, lang)
    text = ideas.vague if which == "vague" else ideas.smart
    result = check_text(text, lang)
    assert verdicts(result) == expected, [(n, v.why) for n, v in result.criteria.items()]
    failed = set(result.failed())
    if which == "vague":  # the issue's first test: fails specific, measurable and time-bound
        assert {"specific", "measurable", "time_bound"} <= failed
    else:  # ...while the SMART version passes specific and time-bound
        assert result.criteria["specific"].ok and result.criteria["time_bound"].ok


@pytest.mark.parametrize(("lang", "text", "specific", "time_bound"), [
    pytest.param("fr", "Tenir une conférence en 2021 où les États membres adoptent une feuille de "
                 "route régionale pour l’élimination du travail des enfants",
                 "«Tenir une conférence»", "«en 2021»", id="fr-regional"),
    pytest.param("fr", "Étendre la couverture d’un programme de protection sociale donné de X% "
                 "d’ici à la fin 2021", "«Étendre la couverture d’un programme»",
                 "«d’ici à la fin 2021»", id="fr-country"),
    pytest.param("fr", "Modifier X accords de négociation collective pour inclure des clauses "
                 "spécifiques sur le travail des enfants d’ici à la fin 2021",
                 "«Modifier X accords de négociation»", "«d’ici à la fin 2021»",
                 id="fr-organisations"),
    pytest.param("en", "Extend the coverage of a given social protection programme by X% by the "
                 "end of 2021", "“Extend the coverage", "“by the end of 2021”", id="en-country"),
    pytest.param("es", "Modificar X convenios colectivos para incluir cláusulas específicas sobre "
                 "el trabajo infantil antes de finales de 2021", "«Modificar X convenios "
                 "colectivos»", "«antes de finales de 2021»", id="es-organisations"),
])
def test_why_quotes_the_words_found(lang: str, text: str, specific: str, time_bound: str) -> None:
    result = check_text(text, lang)
    assert specific in result.criteria["specific"].why
    assert time_bound in result.criteria["time_bound"].why


@pytest.mark.parametrize(("lang", "placeholder", "fix"), [
    pytest.param("fr", "«X%»", "Remplacez «X%» par le chiffre que vous visez.", id="fr"),
    pytest.param("en", "“X%”", "Replace “X%” with the figure you aim for.", id="en"),
    pytest.param("es", "«X%»", "Sustituya «X%» por la cifra que se propone alcanzar.", id="es"),
])
def test_a_placeholder_counts_as_measurable_and_asks_for_the_figure(
        schedule: Schedule, lang: str, placeholder: str, fix: str) -> None:
    assert schedule.pledges is not None
    measurable = check_text(schedule.pledges.ideas("country", lang).smart, lang).criteria[
        "measurable"]
    assert measurable.ok is True and placeholder in measurable.why
    assert measurable.suggestion == fix


# -- every pledge the guide suggests, for every stakeholder type ------------------------------------
# (audience, index in schedules/pledges.yaml, verdicts), the same in fr, en and es. Measurable is
# "?" for a concrete action with no figure (done or not done: the guide asks how it will be
# assessed), achievable "✓" where means are named (funds, budget, resources, partners), realistic
# "✓" where the scope is bounded (a given region, a pathfinder country), time-bound "✗" where the
# guide gives no date: a pledger adopting it is asked for one.
SUGGESTED = [
    ("regional-body", 0, "✓ ? ✓ ? ✗"),  # roadmap with "time-bound milestones" but no date
    ("regional-body", 1, "✓ ? ? ? ✗"),  # draft legislation (promote/fight are its purpose)
    ("regional-body", 2, "✓ ✓ ? ? ✓"),  # "a number of ratifications" by the end of 2021
    ("regional-body", 3, "✓ ? ✓ ? ✓"),  # a fund, to end child labour: the purpose, not the act
    ("regional-body", 4, "✓ ✓ ✓ ? ✗"),  # "a set percentage" of the Fund
    ("country", 0, "✓ ? ? ? ✓"),  # adopt a national policy by the end of 2021
    ("country", 1, "✓ ? ✓ ? ✓"),  # a cash transfer programme
    ("country", 2, "✓ ? ? ? ✓"),
    ("country", 3, "✓ ? ? ? ✓"),  # Convention No. 138: a name, not a quantity
    ("country", 4, "✓ ? ? ? ✓"),  # "for 2021"
    ("country", 5, "✓ ? ? ? ✓"),
    ("country", 6, "✓ ? ? ? ✓"),  # "zero tolerance" is not a count
    ("country", 7, "✓ ✓ ✓ ? ✗"),  # resources by X%, no date
    ("country", 8, "✓ ✓ ✓ ? ✓"),
    ("country", 9, "✓ ✓ ? ? ✗"),  # X teachers, no date
    ("country", 10, "✓ ? ✓ ? ✓"),  # COVID-19 is a name; "until the end of 2021"
    ("org-international", 0, "✓ ? ? ? ✗"),
    ("org-international", 1, "✓ ? ✓ ? ✗"),  # together with the local government
    ("org-international", 2, "✓ ? ✓ ? ✗"),  # a 2022-2025 plan: after the year, for scaling up
    ("org-international", 3, "✓ ? ? ? ✓"),
    ("org-government", 0, "✓ ? ? ? ✗"),
    ("org-government", 1, "✓ ? ? ? ✗"),
    ("org-government", 2, "✓ ✓ ✓ ? ✗"),  # fund X projects
    ("org-business", 0, "✓ ? ? ? ✗"),
    ("org-business", 1, "✓ ? ? ? ✗"),  # "15 to 17" is an age, not a quantity
    ("org-workers", 0, "✗ ✗ ? ✓ ✗"),  # support only; "a given region"
    ("org-workers", 1, "✓ ? ? ? ✗"),
    ("org-civil-society", 0, "✓ ? ? ? ✗"),
    ("org-civil-society", 1, "✓ ? ? ✓ ✗"),  # a pathfinder country
    ("org-civil-society", 2, "✗ ✗ ? ? ✓"),  # putting child labour at the forefront: emphasis
    ("org-academic", 0, "✓ ? ? ? ✗"),
    ("org-academic", 1, "✓ ? ✓ ? ✗"),  # a journal's special issue; working with scholars
    ("org-academic", 2, "✓ ? ? ? ✗"),
    ("org-company", 0, "✓ ? ? ? ✗"),
    ("org-company", 1, "✓ ? ? ? ✗"),
    ("org-company", 2, "✓ ? ? ? ✗"),
    ("org-company", 3, "✓ ? ? ? ✗"),
    ("org-company", 4, "✓ ? ? ? ✗"),
    ("org-company", 5, "✓ ? ✓ ? ✗"),  # funding a programme
    ("individual", 0, "✗ ✗ ? ? ✓"),  # rallying support; "for 2021"
    ("individual", 1, "✓ ? ? ? ✗"),
    ("individual", 2, "✓ ? ✓ ? ✗"),
    ("individual", 3, "✗ ✗ ? ? ✗"),  # learning about fair trade
    ("individual", 4, "✓ ? ? ? ✗"),  # a contest: a deliverable
    ("individual", 5, "✗ ✗ ? ? ✗"),  # learn, share, join forces
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("audience", "index", "expected"), [
    pytest.param(a, i, v, id=f"{a}-{i}") for a, i, v in SUGGESTED])
def test_every_suggested_pledge(schedule: Schedule, audience: str, index: int, expected: str,
                                lang: str) -> None:
    assert schedule.pledges is not None
    text = schedule.pledges.ideas(audience, lang).suggestions[index]
    result = check_text(text, lang)
    assert verdicts(result) == expected, (text, [(n, v.why) for n, v in result.criteria.items()])
    assert result.words == count_words(text) and result.lang == lang


def test_the_table_covers_every_suggestion(schedule: Schedule) -> None:
    assert schedule.pledges is not None
    listed = {(a, i) for a, i, _ in SUGGESTED}
    every = {(a, i) for a, pledges in schedule.pledges.audiences.items()
             for i in range(len(pledges.suggestions))}
    assert listed == every


# -- the API's shape -------------------------------------------------------------------------
def test_the_json_has_the_issues_shape() -> None:
    result = check_text("Sensibiliser et mettre fin au travail des enfants", "fr")
    data = json.loads(json.dumps(result.to_json()))
    assert list(data) == ["lang", "words", "criteria"]
    assert data["lang"] == "fr" and data["words"] == 8
    assert list(data["criteria"]) == list(CRITERIA)
    for verdict in data["criteria"].values():
        assert list(verdict) == ["ok", "why", "suggestion"]
        assert verdict["ok"] in (True, False, None)
        assert isinstance(verdict["why"], str) and verdict["why"]
        assert isinstance(verdict["suggestion"], str)
    assert result.failed() == ["specific", "measurable", "realistic", "time_bound"]


@pytest.mark.parametrize(("lang", "questions"), [
    pytest.param("fr", ["Comment évaluerez-vous que la promesse a été tenue?",
                        "Quelles mesures spécifiques devront être prises et quelles ressources "
                        "devront être mobilisées pour réaliser cette action d’ici à la fin 2027?",
                        "De quelle action seriez-vous le plus fier?"], id="fr"),
    pytest.param("en", ["How will you assess whether the pledge has been fulfilled?",
                        "What specific measures will need to be taken and what resources will "
                        "need to be mobilised to carry out this action by the end of 2027?",
                        "Which action would you be most proud of?"], id="en"),
    pytest.param("es", ["¿Cómo evaluará que se ha cumplido la promesa?",
                        "¿Qué medidas específicas deberán adoptarse y qué recursos deberán "
                        "movilizarse para llevar a cabo esta acción antes de finales de 2027?",
                        "¿De qué acción se sentiría más orgulloso?"], id="es"),
])
def test_a_null_verdict_asks_the_guides_question(lang: str, questions: list[str]) -> None:
    text = {"fr": "Adopter une politique nationale en 2027",
            "en": "Adopt a national policy in 2027",
            "es": "Adoptar una política nacional en 2027"}[lang]
    result = check_text(text, lang, year=2027, horizon=2030)
    asked = [result.criteria[n] for n in ("measurable", "achievable", "realistic")]
    assert all(v.ok is None for v in asked)
    assert [v.why for v in asked] == questions
    assert all(v.suggestion for v in asked)  # and says what would settle it


@pytest.mark.parametrize("lang", ["de", "", "french", "zz"])
def test_an_unknown_language_names_the_choices(lang: str) -> None:
    with pytest.raises(SmartLanguageError) as caught:
        check_text("Adopt a national policy in 2021", lang)
    assert isinstance(caught.value, CampaignError) and caught.value.exit_code == 2
    assert "fr, en, es" in caught.value.message
    assert SMART_LANGUAGES == ("fr", "en", "es")


@pytest.mark.parametrize("lang", ["FR", " en ", "Es"])
def test_the_language_code_is_read_in_any_case(lang: str) -> None:
    assert check_text("Adopt a national policy in 2021", lang).lang == lang.strip().lower()


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u00a0\u202f"])
def test_an_empty_text_is_refused(text: str) -> None:
    with pytest.raises(EmptyPledgeText) as caught:
        check_text(text, "fr")
    assert caught.value.exit_code == 2


# -- a pledge form ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    name: str
    target: float
    deadline: date
    unit: str = ""
    baseline: float = 0.0


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Form:
    title: str
    implementation: str
    contribution: str = "Elle contribuera à mettre fin au travail des enfants d’ici à 2025."
    language: str = "fr"
    indicators: tuple[Indicator, ...] = ()
    cost: Cost | None = None


def test_a_form_checks_its_title_and_implementation() -> None:
    form = Form(title="Protection sociale universelle",
                implementation="Étendre la couverture d’un programme donné de X% d’ici à la fin 2021")
    result = check_pledge(form, year=2021)
    assert result.words == count_words(form.title) + count_words(form.implementation)
    assert verdicts(result) == "✓ ✓ ? ✓ ✓"


def test_the_contributions_2025_is_not_held_against_the_pledge() -> None:
    form = Form(title="Adopter une politique nationale", implementation="En 2021, par décret.",
                contribution="Elle mettra fin au travail des enfants partout d’ici à 2030.")
    assert check_pledge(form, year=2021).criteria["time_bound"].ok is True
    assert check_pledge(form, year=2021).criteria["realistic"].ok is None


def test_an_indicator_with_a_target_is_measurable_and_its_deadline_time_bound() -> None:
    form = Form(title="Scolariser les enfants", implementation="Scolariser les enfants du district",
                indicators=(Indicator("enfants scolarisés", 500, date(2021, 12, 31),
                                      unit="enfants", baseline=120),))
    result = check_pledge(form, year=2021)
    assert result.criteria["measurable"].ok is True
    assert "«enfants scolarisés: 120 → 500 enfants»" in result.criteria["measurable"].why
    assert result.criteria["time_bound"].ok is True
    assert "31 décembre 2021" in result.criteria["time_bound"].why


@pytest.mark.parametrize(("deadline", "ok", "said"), [
    pytest.param(date(2021, 6, 30), True, "30 juin 2021", id="within-the-year"),
    pytest.param(date(2023, 6, 30), False, "après la fin 2021", id="after-the-year"),
    pytest.param(date(2026, 1, 31), False, "après 2025", id="after-the-horizon"),
])
def test_an_indicators_deadline(deadline: date, ok: bool, said: str) -> None:
    form = Form(title="Former des inspecteurs", implementation="Former des inspecteurs du travail",
                indicators=(Indicator("inspecteurs formés", 40, deadline),))
    verdict = check_pledge(form, year=2021).criteria["time_bound"]
    assert verdict.ok is ok and said in verdict.why


@pytest.mark.parametrize(("lang", "shown"), [
    pytest.param("fr", "«25 000 USD»", id="fr"), pytest.param("en", "“25,000 USD”", id="en"),
    pytest.param("es", "«25.000 USD»", id="es")])
def test_an_estimated_cost_makes_it_achievable(lang: str, shown: str) -> None:
    form = Form(title="Adopt a policy", implementation="Adopt a national policy in 2021",
                language=lang, cost=Cost(Decimal("25000"), "USD"))
    verdict = check_pledge(form, year=2021).criteria["achievable"]
    assert verdict.ok is True and shown in verdict.why.replace("\u202f", " ").replace("\xa0", " ")


def test_the_leads_pledge_form_fits() -> None:
    form = PledgeForm.model_validate({
        "audience": "country", "name": "Ministère du Travail", "country": "FR",
        "language": "fr", "focal_point": {"name": "A. Martin", "email": "a@example.org"},
        "title": "Ratifier la Convention n° 138",
        "implementation": "Le Parlement votera la ratification en juin 2021.",
        "contribution": "La Convention fixe l’âge minimum d’admission à l’emploi.",
        "communication": "Chaque mois sur nos réseaux.",
        "indicators": [{"name": "ratification", "target": 1, "deadline": "2021-12-31"}],
        "cost": {"amount": "1000", "currency": "eur"},
    })
    result = check_pledge(form, year=2021)
    assert verdicts(result) == "✓ ✓ ✓ ? ✓"


def test_a_forms_unknown_language_is_refused() -> None:
    with pytest.raises(SmartLanguageError):
        check_pledge(Form(title="Adopt a policy", implementation="In 2021", language="pt"),
                     year=2021)

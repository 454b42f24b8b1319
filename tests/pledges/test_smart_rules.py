"""Specific, measurable, achievable and realistic: what each rule finds and what it leaves, in fr,
en and es, and the pledge read the same way whatever its case, accents, apostrophes or spaces."""

from __future__ import annotations

import pytest

from campaign.pledges.smart import CRITERIA, check_text


def verdict(text: str, lang: str, criterion: str) -> tuple[bool | None, str]:
    found = check_text(text, lang).criteria[criterion]
    return found.ok, found.why


# -- specific -------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "text"), [
    pytest.param("fr", "Sensibiliser le public au travail des enfants", id="fr-sensibiliser"),
    pytest.param("fr", "Promouvoir l’éducation", id="fr-promouvoir"),
    pytest.param("fr", "Lutter contre le travail des enfants", id="fr-lutter-contre"),
    pytest.param("fr", "Nous nous engageons à soutenir les familles", id="fr-engager-soutenir"),
    pytest.param("en", "Raise awareness of child labour", id="en-raise-awareness"),
    pytest.param("en", "Work towards the elimination of child labour", id="en-work-towards"),
    pytest.param("en", "Promote decent work for parents", id="en-promote"),
    pytest.param("en", "Join forces with our partners", id="en-join-forces"),
    pytest.param("es", "Concienciar sobre el trabajo infantil", id="es-concienciar"),
    pytest.param("es", "Promover el trabajo decente", id="es-promover"),
    pytest.param("es", "Luchar contra el trabajo infantil", id="es-luchar-contra"),
])
def test_awareness_and_intention_verbs_are_not_specific(lang: str, text: str) -> None:
    ok, why = verdict(text, lang, "specific")
    assert ok is False and ("«" in why or "“" in why), why  # quoting the verbs found


@pytest.mark.parametrize(("lang", "text", "action"), [
    pytest.param("fr", "Nous organiserons trois ateliers", "organiserons trois ateliers",
                 id="fr-future"),
    pytest.param("fr", "Le ministère adopte une loi", "adopte une loi", id="fr-present"),
    pytest.param("en", "We will train 200 labour inspectors", "train 200 labour inspectors",
                 id="en-will"),
    pytest.param("es", "Vamos a crear un fondo nacional", "crear un fondo nacional",
                 id="es-vamos-a"),
    pytest.param("es", "Capacitaremos a 200 inspectores", "Capacitaremos a 200 inspectores",
                 id="es-future"),
    pytest.param("en", "Cut child labour by 15% in our supply chain", "Cut child labour",
                 id="en-cut"),
    pytest.param("fr", "Former deux mille inspecteurs du travail en 2021",
                 "«Former deux mille inspecteurs du travail»", id="fr-count-in-words"),
    pytest.param("en", "Train two hundred and fifty inspectors in 2021",
                 "“Train two hundred and fifty inspectors”", id="en-count-in-words"),
])
def test_a_concrete_action_in_any_tense_is_specific(lang: str, text: str, action: str) -> None:
    ok, why = verdict(text, lang, "specific")
    assert ok is True and action in why, why


@pytest.mark.parametrize(("lang", "text"), [
    pytest.param("fr", "L’organisation de la société civile", id="fr-a-noun-of-the-stem"),
    pytest.param("es", "La contratación pública", id="es-an-adjective"),
    pytest.param("fr", "Adopter.", id="fr-no-object"),
])
def test_a_noun_or_a_verb_without_object_is_not_an_action(lang: str, text: str) -> None:
    assert verdict(text, lang, "specific")[0] is False


# -- measurable -----------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "text", "found"), [
    pytest.param("fr", "Former deux mille enseignants", "deux mille enseignants", id="fr-words"),
    pytest.param("fr", "Réduire de 30 % le travail des enfants", "30 %", id="fr-percent"),
    pytest.param("fr", "Scolariser 1 500 enfants", "1 500 enfants", id="fr-grouped-digits"),
    pytest.param("fr", "Doubler le nombre d’inspecteurs", "Doubler", id="fr-factor"),
    pytest.param("en", "Train two hundred inspectors", "two hundred inspectors", id="en-words"),
    pytest.param("en", "Cut child labour by 25 percent", "25 percent", id="en-percent"),
    pytest.param("en", "Sign X agreements", "X agreements", id="en-x-count"),
    pytest.param("es", "Formar a dos mil docentes", "dos mil docentes", id="es-words"),
    pytest.param("es", "Reducir en un 20 por ciento", "20 por ciento", id="es-percent"),
])
def test_a_number_percentage_or_count_is_measurable(lang: str, text: str, found: str) -> None:
    ok, why = verdict(text, lang, "measurable")
    assert ok is True and found in why, why


@pytest.mark.parametrize(("lang", "text"), [
    pytest.param("fr", "Ratifier la Convention n° 138", id="fr-convention-number"),
    pytest.param("fr", "Évaluer l’impact de la COVID-19", id="fr-covid-19"),
    pytest.param("fr", "Former les jeunes de 15 à 17 ans", id="fr-ages"),
    pytest.param("en", "Join Alliance 8.7", id="en-alliance-8.7"),
    pytest.param("en", "Train young people aged 15 to 17", id="en-aged"),
    pytest.param("en", "Report on SDG 8.7", id="en-sdg"),
    pytest.param("es", "Ratificar el Convenio núm. 138", id="es-num"),
    pytest.param("en", "Post on X every month", id="en-x-the-network"),
])
def test_a_number_that_names_something_is_not_a_quantity(lang: str, text: str) -> None:
    assert verdict(text, lang, "measurable")[0] is None  # a concrete action, done or not done


@pytest.mark.parametrize(("lang", "text", "fix"), [
    pytest.param("fr", "Garantir un certain nombre de ratifications", "«un certain nombre de "
                 "ratifications»", id="fr"),
    pytest.param("en", "Secure a number of ratifications", "“a number of ratifications”",
                 id="en"),
    pytest.param("es", "Conseguir un número determinado de ratificaciones", "«un número "
                 "determinado de ratificaciones»", id="es"),
])
def test_a_number_to_fill_in_is_measurable_and_asked_for(lang: str, text: str, fix: str) -> None:
    found = check_text(text, lang).criteria["measurable"]
    assert found.ok is True and fix in found.suggestion


# -- achievable -----------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "text", "found"), [
    pytest.param("fr", "Former des inspecteurs avec un budget de 50 000 USD", "50 000 USD",
                 id="fr-amount"),
    pytest.param("fr", "Former des inspecteurs avec nos partenaires", "partenaires",
                 id="fr-partners"),
    pytest.param("en", "Train inspectors with €20,000 from our staff budget", "€20,000",
                 id="en-amount"),
    pytest.param("en", "Train inspectors together with the ministry", "together with",
                 id="en-together-with"),
    pytest.param("es", "Formar inspectores con el presupuesto del ministerio", "presupuesto",
                 id="es-budget"),
    pytest.param("fr", "Allouer 1,5 million d’euros à la scolarisation", "«1,5 million d’euros»",
                 id="fr-million-d-euros"),
    pytest.param("fr", "Allouer 2 millions de FCFA à la scolarisation", "«2 millions de FCFA»",
                 id="fr-millions-de-fcfa"),
    pytest.param("es", "Destinar 1 millón de dólares a comedores escolares",
                 "«1 millón de dólares»", id="es-millon-de-dolares"),
    pytest.param("en", "Allocate 2 million dollars to school meals", "“2 million dollars”",
                 id="en-million-dollars"),
])
def test_named_means_make_it_achievable(lang: str, text: str, found: str) -> None:
    ok, why = verdict(text, lang, "achievable")
    assert ok is True and found in why, why


def test_a_currency_code_counts_only_in_capitals() -> None:
    # «19 sur» reads like 19 Soviet roubles (SUR) once lower-cased; «50 USD» is money
    assert verdict("Étudier la COVID-19 sur le travail des enfants", "fr", "achievable")[0] is None
    assert verdict("Verser 50 USD par famille", "fr", "achievable")[0] is True


# -- realistic ------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "text"), [
    pytest.param("fr", "Mettre fin au travail des enfants partout en 2021", id="fr"),
    pytest.param("en", "End child labour everywhere in 2021", id="en"),
    pytest.param("es", "Poner fin al trabajo infantil en todas partes en 2021", id="es"),
    pytest.param("en", "We commit to eliminate child labour in 2021", id="en-commit-to"),
])
def test_ending_child_labour_in_a_year_is_not_realistic(lang: str, text: str) -> None:
    found = check_text(text, lang)
    assert found.criteria["realistic"].ok is False
    assert "2025" in found.criteria["realistic"].why and found.criteria["realistic"].suggestion


@pytest.mark.parametrize(("lang", "text", "ok"), [
    pytest.param("fr", "Établir un fonds en 2021 en vue de mettre fin au travail des enfants",
                 None, id="fr-the-goal-as-purpose"),
    pytest.param("en", "Help end child labour by training teachers", None,
                 id="en-help-end"),
    pytest.param("fr", "Mettre fin au travail des enfants dans nos plantations en 2021", None,
                 id="fr-within-our-own"),
    pytest.param("fr", "Lancer un projet pilote dans 3 districts en 2021", True, id="fr-pilot"),
    pytest.param("en", "Enrol children in 20 schools in 2021", True, id="en-twenty-schools"),
    pytest.param("es", "Ampliar un programa existente en 2021", True, id="es-existing"),
])
def test_a_goal_as_purpose_or_a_bounded_scope(lang: str, text: str, ok: bool | None) -> None:
    assert verdict(text, lang, "realistic")[0] is ok


# -- the text as the pledger types it ------------------------------------------------------
BASE = "Tenir une conférence d’ici à la fin 2021 pour l’élimination du travail des enfants"


@pytest.mark.parametrize("text", [
    pytest.param(BASE.replace("’", "'"), id="straight-apostrophes"),
    pytest.param(BASE.upper(), id="capitals"),
    pytest.param("Tenir une conference d'ici a la fin 2021 pour l'elimination du travail des "
                 "enfants", id="no-accents"),
    pytest.param(BASE.replace(" ", "\u00a0"), id="no-break-spaces"),
    pytest.param(BASE.replace("é", "e\u0301"), id="decomposed-accents"),
    pytest.param(BASE.replace(" 2021", " ２０２１"), id="fullwidth-digits"),
])
def test_the_same_verdicts_however_it_is_typed(text: str) -> None:
    expected = check_text(BASE, "fr").criteria
    found = check_text(text, "fr").criteria
    assert [found[n].ok for n in CRITERIA] == [expected[n].ok for n in CRITERIA]


def test_why_quotes_the_words_as_typed() -> None:
    text = "TENIR UNE CONFÉRENCE d’ici\u00a0à la fin 2021"
    result = check_text(text, "fr")
    assert "«TENIR UNE CONFÉRENCE»" in result.criteria["specific"].why
    assert "«d’ici\u00a0à la fin 2021»" in result.criteria["time_bound"].why


@pytest.mark.parametrize(("lang", "text", "action"), [
    pytest.param("fr", "Allouer 1,5 million d’euros à la scolarisation en 2021",
                 "«Allouer 1,5 million d’euros à la scolarisation»", id="fr-decimal-comma"),
    pytest.param("en", "Allocate USD 1.5 million to school meals in 2021",
                 "“Allocate USD 1.5 million", id="en-decimal-point"),
    pytest.param("en", "Train 1,200 inspectors by June 2021", "“Train 1,200 inspectors”",
                 id="en-thousands"),
])
def test_the_action_quoted_keeps_its_number_whole(lang: str, text: str, action: str) -> None:
    found = check_text(text, lang).criteria["specific"]
    assert found.ok is True and action in found.why, found.why


# -- bounded work ---------------------------------------------------------------------------
def test_taken_spans_answer_as_a_scan_of_them_would() -> None:
    import random

    from campaign.pledges.smart_text import Span, Taken

    chance = random.Random(10)
    for _ in range(200):
        found = [Span(a, a + chance.randint(0, 6)) for a in
                 (chance.randint(0, 60) for _ in range(chance.randint(0, 12)))]
        taken = Taken(found)
        for start in range(0, 70):
            for length in range(0, 5):
                probe = Span(start, start + length)
                assert taken.overlaps(probe) == any(probe.overlaps(s) for s in found), \
                    (found, probe)


@pytest.mark.parametrize("repeated", [
    pytest.param("2021 ", id="years"), pytest.param("1999 ", id="years-out-of-range"),
    pytest.param("1 ", id="numbers"), pytest.param("15 % ", id="percentages"),
    pytest.param("5 € ", id="amounts"), pytest.param("x accords ", id="placeholders"),
])
@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_text_full_of_findings_is_checked_in_linear_time(lang: str, repeated: str) -> None:
    import time

    # 100,000 characters: checking each finding against every earlier one took 10 to 20 s
    text = (repeated * 50_000)[:100_000]
    started = time.perf_counter()
    check_text(text, lang)
    assert time.perf_counter() - started < 4

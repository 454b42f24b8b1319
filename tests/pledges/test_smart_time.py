"""Time-bound: the dates, months, years and spans a pledge names, in fr, en and es, against the
campaign's year and its 2025 horizon; month names from Babel."""

from __future__ import annotations

import pytest
from babel.dates import get_month_names

from campaign.pledges.smart import check_text
from campaign.pledges.smart_text import fold


def time_bound(text: str, lang: str, **years: int) -> tuple[bool | None, str]:
    verdict = check_text(text, lang, **years).criteria["time_bound"]
    return verdict.ok, verdict.why


@pytest.mark.parametrize(("lang", "text", "found"), [
    pytest.param("fr", "Adopter une loi d’ici à la fin 2021", "d’ici à la fin 2021", id="fr-fin"),
    pytest.param("fr", "Adopter une loi en 2021", "en 2021", id="fr-en"),
    pytest.param("fr", "Adopter une loi d’ici au 30 juin 2021", "d’ici au 30 juin 2021",
                 id="fr-date"),
    pytest.param("fr", "Adopter une loi le 12/06/2021", "12/06/2021", id="fr-numeric"),
    pytest.param("fr", "Adopter une loi d’ici juin", "d’ici juin", id="fr-bare-month"),
    pytest.param("fr", "Adopter une loi avant le 1er septembre", "avant le 1er septembre",
                 id="fr-day-month"),
    pytest.param("fr", "Adopter une loi fin janv. 2021", "fin janv. 2021", id="fr-abbreviated"),
    pytest.param("fr", "Adopter une loi cette année", "cette année", id="fr-this-year"),
    pytest.param("fr", "Adopter une loi d’ici six mois", "d’ici six mois", id="fr-six-months"),
    pytest.param("en", "Adopt a law by June 2021", "by June 2021", id="en-month-year"),
    pytest.param("en", "Adopt a law by June 30, 2021", "by June 30, 2021", id="en-month-day"),
    pytest.param("en", "Adopt a law by 30 June 2021", "by 30 June 2021", id="en-day-month"),
    pytest.param("en", "Adopt a law by May", "by May", id="en-bare-may"),
    pytest.param("en", "Adopt a law on 2021-06-12", "2021-06-12", id="en-iso"),
    pytest.param("en", "Adopt a law on 6/30/2021", "6/30/2021", id="en-month-first"),
    pytest.param("en", "Adopt a law within 6 months", "within 6 months", id="en-within"),
    pytest.param("en", "Adopt a law by the end of the year", "by the end of the year",
                 id="en-year-end"),
    pytest.param("es", "Adoptar una ley antes de finales de 2021", "antes de finales de 2021",
                 id="es-finales"),
    pytest.param("es", "Adoptar una ley el 30 de junio de 2021", "el 30 de junio de 2021",
                 id="es-date"),
    pytest.param("es", "Adoptar una ley antes de junio", "antes de junio", id="es-bare-month"),
    pytest.param("es", "Adoptar una ley en los próximos seis meses", "en los próximos seis meses",
                 id="es-months"),
    pytest.param("es", "Adoptar una ley este año", "este año", id="es-this-year"),
    pytest.param("es", "Adoptar una ley antes de fin de año", "antes de fin de año",
                 id="es-fin-de-ano"),
    pytest.param("fr", "Adopter une loi d’ici l’été", "d’ici l’été", id="fr-by-summer"),
    pytest.param("en", "Adopt a law by the summer", "by the summer", id="en-by-summer"),
    pytest.param("es", "Adoptar una ley antes del verano", "antes del verano", id="es-by-summer"),
    pytest.param("es", "Adoptar una ley a finales de año", "a finales de año",
                 id="es-finales-de-ano"),
])
def test_a_deadline_within_the_year(lang: str, text: str, found: str) -> None:
    ok, why = time_bound(text, lang)
    assert ok is True and found in why, why


@pytest.mark.parametrize(("lang", "text", "said"), [
    pytest.param("fr", "Adopter une loi d’ici à 2030", "après 2025", id="fr-after-horizon"),
    pytest.param("fr", "Adopter une loi en 2023", "après la fin 2021", id="fr-after-year"),
    pytest.param("fr", "Adopter une loi en 2019", "avant 2021", id="fr-past"),
    pytest.param("fr", "Adopter un plan d’action 2022-2025", "«2022-2025»: après la fin 2021",
                 id="fr-plan-range"),
    pytest.param("fr", "Adopter une loi", "Aucune date", id="fr-none"),
    pytest.param("en", "Adopt a law by 2030", "after 2025", id="en-after-horizon"),
    pytest.param("en", "Adopt a law in 2021 and end child labour by 2030", "“by 2030”",
                 id="en-a-late-year-wins"),
    pytest.param("en", "Adopt a law within 18 months", "after the end of 2021",
                 id="en-too-long"),
    pytest.param("en", "Adopt a law on 31/02/2021", "No date", id="en-no-such-day"),
    pytest.param("es", "Adoptar una ley antes de 2024", "después de finales de 2021",
                 id="es-after-year"),
    pytest.param("es", "Adoptar una ley", "Ninguna fecha", id="es-none"),
])
def test_no_deadline_within_the_year(lang: str, text: str, said: str) -> None:
    ok, why = time_bound(text, lang)
    assert ok is False and said in why, why


def test_the_year_and_horizon_are_arguments() -> None:
    assert time_bound("Adopter une loi en 2027", "fr", year=2027, horizon=2030)[0] is True
    ok, why = time_bound("Adopter une loi en 2021", "fr", year=2027, horizon=2030)
    assert ok is False and "avant 2027" in why
    ok, why = time_bound("Adopter une loi", "fr", year=2027, horizon=2030)
    assert "d’ici à la fin 2027" in check_text("Adopter une loi", "fr", year=2027).criteria[
        "time_bound"].suggestion


@pytest.mark.parametrize(("text", "ok"), [
    pytest.param("Embaucher 2000 enseignants", False, id="a-count-not-a-year"),
    pytest.param("Augmenter le budget 2021 de l’éducation", True, id="the-years-budget"),
    pytest.param("Publier le rapport, 2021", True, id="a-year-at-the-end"),
])
def test_a_four_digit_number_is_a_year_only_when_it_reads_as_one(text: str, ok: bool) -> None:
    assert time_bound(text, "fr")[0] is ok
    assert check_text("Embaucher 2000 enseignants", "fr").criteria["measurable"].ok is True


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_every_month_babel_names_is_read(lang: str) -> None:
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale=lang).items():
            text = {"fr": f"Adopter une loi le 12 {name} 2021",
                    "en": f"Adopt a law on 12 {name} 2021",
                    "es": f"Adoptar una ley el 12 de {name} de 2021"}[lang]
            ok, why = time_bound(text, lang)
            assert ok is True and fold(str(name)) in fold(why), (lang, width, number, name)


@pytest.mark.parametrize(("lang", "text"), [
    pytest.param("en", "Adopt a law that may help", id="en-may-the-verb"),
    pytest.param("en", "Organise a march for children", id="en-march-the-walk"),
    pytest.param("es", "Organizar una jornada en el mar", id="es-mar-the-sea"),
])
def test_a_month_name_that_is_also_a_word_needs_a_deadline_word(lang: str, text: str) -> None:
    assert time_bound(text, lang)[0] is False

"""Every field of the pledge form is checked, and every problem named in one sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from campaign.pledges.form import FormRules, PledgeInvalid, answer_problem, validate_form


def test_a_valid_pledge_is_normalised(pledge_data: Callable[..., dict[str, Any]],
                                      rules: FormRules) -> None:
    form = validate_form(pledge_data(country=" sn ", language="FR",
                                     cost={"amount": "10", "currency": "xof"}), rules)
    assert (form.country, form.language, form.cost and form.cost.currency) == ("SN", "fr", "XOF")
    assert form.submitted_on == date(2021, 3, 1)  # the day it was checked on
    assert form.handles["x"] == "@TravailSN"


WORDS_21 = " ".join(["mot"] * 21)
WORDS_101 = " ".join(["mot"] * 101)


@pytest.mark.parametrize(("changes", "message"), [
    pytest.param({"title": WORDS_21}, "'title' has 21 words, over the limit of 20",
                 id="title-over-20-words"),
    pytest.param({"contribution": WORDS_101}, "'contribution' has 101 words, over the limit of 100",
                 id="contribution-over-100-words"),
    pytest.param({"title": ""}, "'title' is empty: answer it", id="empty-title"),
    pytest.param({"audience": "martians"},
                 "unknown stakeholder type 'audience' 'martians': choose one of country, "
                 "individual, org-academic", id="unknown-stakeholder-type"),
    pytest.param({"focal_point": {"name": "A", "email": "awa.diop@"}},
                 "'focal_point.email' 'awa.diop@' is not an email address", id="invalid-email"),
    pytest.param({"cost": {"amount": "10", "currency": "EUX"}},
                 "'cost.currency' 'EUX' is not an ISO 4217 currency code", id="invalid-currency"),
    pytest.param({"cost": {"amount": "-1", "currency": "EUR"}},
                 "'cost.amount': input should be greater than or equal to 0", id="negative-cost"),
    pytest.param({"country": "QQ"}, "'country' 'QQ' is not an ISO 3166 country",
                 id="unknown-country"),
    pytest.param({"language": "de"}, "'language' 'de' is not one of the campaign's: choose one "
                 "of fr, en, es", id="language-not-the-campaigns"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "2021-01-15"}]},
                 "'indicators[1].deadline' 2021-01-15 is in the past (before 2021-03-01)",
                 id="deadline-in-the-past"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "2026-01-01"}]},
                 "'indicators[1].deadline' 2026-01-01 is after 2025-12-31", id="deadline-after-2025"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "31/12/2021"}]},
                 "'indicators[1].deadline' '31/12/2021' is not a date: write it as YYYY-MM-DD",
                 id="deadline-not-a-date"),
    # what a hurried pledger writes by hand in a YAML file, each named with what to write
    pytest.param({"country": "Sénégal"}, "'country' 'SÉNÉGAL' is a name: write its code, SN",
                 id="country-name"),
    pytest.param({"country": "Côte d’Ivoire"}, "is a name: write its code, CI",
                 id="country-name-with-apostrophe"),
    pytest.param({"language": "French"}, "'language' 'french' is not one of the campaign's: "
                 "choose one of fr, en, es", id="language-name"),
    pytest.param({"country": False}, "'country' was read as false: in a YAML file, an unquoted "
                 "no, yes, on or off is a truth value; put the text in quotes", id="yaml-norway"),
    pytest.param({"communication": None}, "'communication' is empty: answer it (in a YAML "
                 "file, put a text that starts with '#' in quotes", id="yaml-comment-value"),
    pytest.param({"cost": {"amount": "12 500,50", "currency": "EUR"}},
                 "'cost.amount' '12 500,50' is not an amount: write it in digits, with a '.' "
                 "before the decimals", id="amount-with-decimal-comma"),
    pytest.param({"cost": {"amount": "12 500", 50: None, "currency": "EUR"}},
                 "'cost' has a field named 50: in a YAML {...} of fields, a ',' ends a field",
                 id="amount-cut-by-a-flow-comma"),
    pytest.param({"indicators": [{"name": "a", "target": "1 500", "deadline": "2021-12-31"}]},
                 "'indicators[1].target' '1 500' is not a number", id="target-with-a-space"),
    pytest.param({"indicators": [{"name": "a", "target": 1, "deadline": "2021-12-31"},
                                 {"name": "A", "target": 2, "deadline": "2021-12-31"}]},
                 "'indicators[2].name' 'A' is given twice", id="indicator-twice"),
    pytest.param({"handles": {"x": "not a handle!"}}, "'handles.x':", id="malformed-x-handle"),
    pytest.param({"title": "ligne\nsuivante"}, "'title' must be one line", id="title-two-lines"),
    pytest.param({"submitted_on": "2021-04-01"}, "'submitted_on' 2021-04-01 is outside "
                 "2020-01-01 to 2021-03-01 (today)", id="submitted-in-the-future"),
    pytest.param({"colour": "blue"}, "'colour' is not a field of the form", id="unknown-field"),
])
def test_bad_input_is_named(pledge_data: Callable[..., dict[str, Any]], rules: FormRules,
                            changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PledgeInvalid) as caught:
        validate_form(pledge_data(**changes), rules, where="pledges.csv row 3")
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith("pledges.csv row 3: ")
    assert message in caught.value.message


def test_every_problem_is_named_even_beside_a_value_of_the_wrong_kind(
        pledge_data: Callable[..., dict[str, Any]], rules: FormRules) -> None:
    data = pledge_data(title=WORDS_21, cost={"amount": "12 500,50", "currency": "EUR"},
                       handles={"mastodon": "@aide"}, country="Sénégal",
                       indicators=[{"name": "a", "target": "1 500", "deadline": "2026-06-30"}])
    with pytest.raises(PledgeInvalid) as caught:
        validate_form(data, rules)
    problems = caught.value.problems
    assert [p.split("'")[1] for p in problems] == [
        "indicators[1].target", "cost.amount", "country", "title", "handles.mastodon"]
    data["indicators"] = [{"name": "a", "target": 1, "deadline": "2026-06-30"}]
    with pytest.raises(PledgeInvalid) as caught:
        validate_form(data, rules)
    assert "'indicators[1].deadline' 2026-06-30 is after 2025-12-31" in caught.value.message
    assert len(caught.value.problems) == 5


def test_missing_fields_are_all_named(rules: FormRules) -> None:
    with pytest.raises(PledgeInvalid) as caught:
        validate_form({"name": "ILO"}, rules)
    assert len(caught.value.problems) == 8
    assert "'title' is required: answer it" in caught.value.problems


def test_an_earlier_submission_date_allows_2021_deadlines(
        pledge_data: Callable[..., dict[str, Any]], schedule: Any) -> None:
    """Recording in 2026 a pledge made in 2021: its deadlines count from its own date."""
    late = FormRules.from_schedule(schedule, today=date(2026, 12, 1))
    with pytest.raises(PledgeInvalid, match="give its 'submitted_on' date"):
        validate_form(pledge_data(), late)
    assert validate_form(pledge_data(submitted_on="2021-02-01"), late).submitted_on == \
        date(2021, 2, 1)


@pytest.mark.parametrize(("name", "value", "problem"), [
    pytest.param("title", WORDS_21, "has 21 words", id="title"),
    pytest.param("focal_point.email", "x@", "is not an email address", id="email"),
    pytest.param("audience", "martians", "unknown stakeholder type", id="audience"),
    pytest.param("country", "qq", "is not an ISO 3166", id="country"),
    pytest.param("cost.currency", "eux", "is not an ISO 4217", id="currency"),
    pytest.param("handles.x", "way_too_long_for_x_handles", "X", id="handle"),
    pytest.param("name", "", "is empty", id="required-empty"),
])
def test_one_answer_is_checked_as_it_is_typed(rules: FormRules, name: str, value: str,
                                              problem: str) -> None:
    found = answer_problem(name, value, rules)
    assert found is not None and problem in found


@pytest.mark.parametrize(("name", "value"), [
    pytest.param("title", "Adopter une politique nationale d’ici à la fin 2021", id="title"),
    pytest.param("country", "419", id="region-latin-america"),
    pytest.param("handles.bluesky", "", id="optional-empty"),
])
def test_good_answers_pass(rules: FormRules, name: str, value: str) -> None:
    assert answer_problem(name, value, rules) is None


@pytest.mark.parametrize("field", ["target", "baseline"])
def test_an_indicator_figure_beyond_1e15_is_refused(pledge_data: Callable[..., dict[str, Any]],
                                                    rules: FormRules, field: str) -> None:
    indicator = {"name": "a", "target": 1, "deadline": "2021-12-31"} | {field: 1e300}
    with pytest.raises(PledgeInvalid, match=rf"'indicators\[1\]\.{field}': input should be"):
        validate_form(pledge_data(indicators=[indicator]), rules)

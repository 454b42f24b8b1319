"""Traffic lights (pure: a pledge and a day), recording progress in the store, the July review
and the monthly check-in list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.models import PledgeStatus
from campaign.pledges.progress import (
    Light,
    ProgressInvalid,
    check_evidence,
    check_report,
    checkins_of,
    mid_year,
    pledge_light,
    questions_for,
    record_progress,
    review,
    review_of,
)
from campaign.pledges.store import (
    IndicatorState,
    NewPledge,
    Pledge,
    PledgeStore,
    ProgressReport,
    UnknownIndicator,
)

AUDIENCES = {"org-civil-society": "organisation", "country": "country",
             "org-business": "organisation"}
RULES = FormRules(audiences=AUDIENCES, languages=("fr", "en", "es"), year=2021,
                  today=date(2021, 2, 1),
                  audience_names={"org-civil-society": "Civil society organisation",
                                  "country": "Country", "org-business": "Business network"})
SUBMITTED = date(2021, 1, 1)
DEADLINE = date(2021, 12, 31)  # 364 days after SUBMITTED
HALF = date(2021, 7, 2)  # 182 days: half the time


def form_data(**changes: Any) -> dict[str, Any]:
    """A valid submission (a Senegalese NGO's), with ``changes``."""
    data: dict[str, Any] = {
        "audience": "org-civil-society", "name": "Aide Enfance", "country": "SN",
        "language": "fr", "focal_point": {"name": "Awa Diop", "email": "awa@aide.example.org"},
        "title": "Scolariser 500 enfants travailleurs d’ici à la fin 2021",
        "implementation": "Ouvrir deux écoles passerelles à Kaolack.",
        "contribution": "Chaque enfant scolarisé quitte le travail.",
        "communication": "Un post par mois sur X et Facebook.",
        "handles": {"x": "@aideenfance"},
        "indicators": [{"name": "Enfants scolarisés", "unit": "enfants", "baseline": 0,
                        "target": 500, "deadline": "2021-12-31"}],
        "cost": {"amount": "25000", "currency": "XOF"}, "submitted_on": "2021-01-01"}
    data.update(changes)
    return data


def new_pledge(status: PledgeStatus = PledgeStatus.SUBMITTED, **changes: Any) -> NewPledge:
    """A checked pledge ready to store (no SMART check: that is smart.py's business)."""
    form = validate_form(form_data(**changes), RULES)
    return NewPledge(form=form, kind=AUDIENCES[form.audience], status=status)


def pledge(reports: Sequence[tuple[date, float]] = (), *, baseline: float = 0,
           target: float = 100, deadline: date = DEADLINE, indicators: int = 1,
           pledge_id: int = 1, **changes: Any) -> Pledge:
    """A pledge as the store gives it back, without a database: one indicator per
    ``indicators``, every one with these reports."""
    inds = [{"name": f"Indicator {n}", "baseline": baseline, "target": target,
             "deadline": deadline.isoformat()} for n in range(1, indicators + 1)]
    form = validate_form(form_data(indicators=inds, **changes), RULES)
    states = tuple(IndicatorState(indicator=ind, reports=tuple(
        ProgressReport(on=on, value=value) for on, value in reports)) for ind in form.indicators)
    return Pledge(id=pledge_id, form=form, status=PledgeStatus.SUBMITTED, kind="organisation",
                  indicators=states)


LIGHTS = [
    pytest.param([(date(2021, 7, 1), 50)], {}, HALF, Light.ON_TRACK,
                 id="halfway-at-half-time-on-track"),
    pytest.param([(date(2021, 7, 1), 41)], {}, HALF, Light.ON_TRACK,
                 id="within-ten-points-of-the-time-on-track"),
    pytest.param([(date(2021, 7, 1), 39)], {}, HALF, Light.BEHIND,
                 id="more-than-ten-points-under-the-time-behind"),
    pytest.param([(date(2021, 7, 1), 90)], {}, HALF, Light.ON_TRACK,
                 id="ahead-of-time-on-track"),
    pytest.param([(date(2021, 7, 1), 100)], {}, HALF, Light.DONE, id="target-reached-done"),
    pytest.param([(date(2021, 7, 1), 130)], {}, HALF, Light.DONE, id="target-passed-done"),
    pytest.param([(date(2021, 12, 1), 80)], {}, date(2022, 1, 5), Light.OVERDUE,
                 id="deadline-passed-short-of-target-overdue"),
    pytest.param([(date(2021, 12, 1), 100)], {}, date(2022, 1, 5), Light.DONE,
                 id="deadline-passed-target-reached-done"),
    pytest.param([(date(2021, 3, 1), 30)], {}, HALF, Light.SILENT,
                 id="no-report-for-four-months-silent"),
    pytest.param([], {}, date(2021, 1, 20), Light.ON_TRACK,
                 id="no-report-yet-in-the-first-weeks-on-track"),
    pytest.param([], {}, date(2021, 3, 1), Light.SILENT, id="no-report-since-submission-silent"),
    pytest.param([(date(2021, 7, 1), 200)], {"baseline": 340, "target": 100}, HALF,
                 Light.ON_TRACK, id="decreasing-target-ahead-on-track"),
    pytest.param([(date(2021, 7, 1), 300)], {"baseline": 340, "target": 100}, HALF,
                 Light.BEHIND, id="decreasing-target-barely-moved-behind"),
    pytest.param([(date(2021, 7, 1), 90)], {"baseline": 340, "target": 100}, HALF,
                 Light.DONE, id="decreasing-target-under-target-done"),
    pytest.param([(date(2021, 7, 1), 380)], {"baseline": 340, "target": 100}, HALF,
                 Light.BEHIND, id="decreasing-target-gone-the-wrong-way-behind"),
    pytest.param([(date(2021, 7, 1), 50), (date(2021, 9, 1), 95)], {}, HALF, Light.ON_TRACK,
                 id="reports-after-the-day-are-not-seen"),
]


@pytest.mark.parametrize(("reports", "shape", "day", "expected"), LIGHTS)
def test_light(reports: list[tuple[date, float]], shape: dict[str, float], day: date,
               expected: Light) -> None:
    result = pledge_light(pledge(reports, **shape), day)
    assert result.light is expected
    assert result.indicators[0].light is expected
    assert result.why.startswith("every indicator" if expected is Light.DONE else "Indicator 1:")


def test_light_numbers_compare_progress_with_time() -> None:
    result = pledge_light(pledge([(date(2021, 7, 1), 50)]), HALF).indicators[0]
    assert result.progress == pytest.approx(0.5)
    assert result.expected == pytest.approx(182 / 364)
    assert (result.latest, result.latest_on, result.days_silent) == (50, date(2021, 7, 1), 1)
    assert result.why == "50% of the way with 50% of the time gone"


@pytest.mark.parametrize(("silent_after", "expected"), [
    pytest.param(45, Light.SILENT, id="sixty-days-over-45-silent"),
    pytest.param(90, Light.ON_TRACK, id="sixty-days-under-90-on-track"),
])
def test_silent_after_is_a_setting(silent_after: int, expected: Light) -> None:
    light = pledge_light(pledge([(date(2021, 5, 3), 50)]), HALF, silent_after=silent_after)
    assert light.light is expected
    assert light.days_silent == 60


def test_a_pledge_shows_its_worst_indicator() -> None:
    two = pledge([(date(2021, 7, 1), 50)], indicators=2)
    behind = IndicatorState(indicator=two.indicators[1].indicator, reports=(
        ProgressReport(on=date(2021, 7, 1), value=10),))
    mixed = Pledge(id=2, form=two.form, status=two.status, kind=two.kind,
                   indicators=(two.indicators[0], behind))
    light = pledge_light(mixed, HALF)
    assert [i.light for i in light.indicators] == [Light.ON_TRACK, Light.BEHIND]
    assert light.light is Light.BEHIND
    assert light.why.startswith("Indicator 2: 10% of the way")


def test_a_correction_on_the_same_day_replaces_the_value_before() -> None:
    # the store gives a day's reports in the order stored: the last is the correction
    light = pledge_light(pledge([(date(2021, 7, 1), 10), (date(2021, 7, 1), 50)]), HALF)
    assert (light.indicators[0].latest, light.light) == (50, Light.ON_TRACK)


def test_silence_is_the_pledgers_not_one_indicators() -> None:
    two = pledge([], indicators=2)
    reported = IndicatorState(indicator=two.indicators[1].indicator, reports=(
        ProgressReport(on=date(2021, 6, 30), value=60),))
    mixed = Pledge(id=2, form=two.form, status=two.status, kind=two.kind,
                   indicators=(two.indicators[0], reported))
    light = pledge_light(mixed, HALF)
    # reported two days ago: not silent; the indicator never reported is at 0% of the way
    assert (light.light, light.days_silent) == (Light.BEHIND, 2)
    assert [(i.light, i.days_silent) for i in light.indicators] == [
        (Light.BEHIND, 2), (Light.ON_TRACK, 2)]
    assert light.indicators[0].why == "0% of the way with 50% of the time gone"
    quiet = pledge_light(mixed, date(2021, 9, 1))
    assert [i.light for i in quiet.indicators] == [Light.SILENT, Light.SILENT]
    assert quiet.indicators[0].why == "no report for 63 days (since 2021-06-30)"
    asked = questions_for(quiet, "en")
    assert asked[1] == ("We have no news of “Indicator 1” since June 30, 2021: where does it "
                        "stand today?")


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param(5, Light.DONE, id="kept-at-its-level-done"),
    pytest.param(4, Light.BEHIND, id="under-the-level-kept-behind"),
    pytest.param(9, Light.BEHIND, id="over-the-level-kept-behind"),
])
def test_a_target_equal_to_its_baseline_is_reached_only_by_that_value(
        value: float, expected: Light) -> None:
    light = pledge_light(pledge([(date(2021, 7, 1), value)], baseline=5, target=5), HALF)
    assert light.light is expected


def test_a_decreasing_target_not_yet_moved_reads_zero_percent() -> None:
    light = pledge_light(pledge([(date(2021, 7, 1), 340)], baseline=340, target=100), HALF)
    assert light.indicators[0].why == "0% of the way with 50% of the time gone"


def test_without_an_indicator_the_light_is_unknown_and_says_what_to_add() -> None:
    light = pledge_light(pledge(indicators=0, pledge_id=7), HALF)
    assert light.light is Light.UNKNOWN
    assert "add one (name, unit, baseline, target, deadline)" in light.why
    assert "`campaign pledge edit 7`" in light.why


# -- checking a report ------------------------------------------------------------------------
BAD_REPORTS = [
    pytest.param({"value": float("nan")}, "--value nan is not a finite number", id="nan"),
    pytest.param({"value": float("inf")}, "--value inf is not a finite number", id="infinite"),
    pytest.param({"value": 1e16}, "--value 1e+16 is beyond ±1e+15", id="too-large"),
    pytest.param({"on": date(2021, 3, 2)}, "--on 2021-03-02 is in the future", id="future"),
    pytest.param({"on": date(2020, 12, 31)}, "is before pledge 1 was submitted (2021-01-01)",
                 id="before-submission"),
    pytest.param({"evidence": "javascript:alert(1)"}, "is not an http(s) address",
                 id="evidence-javascript"),
    pytest.param({"evidence": "ftp://example.org/x"}, "is not an http(s) address",
                 id="evidence-ftp"),
    pytest.param({"evidence": "https://"}, "is not an http(s) address", id="evidence-no-host"),
    pytest.param({"evidence": "https://example.org/a b"}, "has spaces", id="evidence-space"),
    pytest.param({"evidence": "https://example.org/" + "a" * 500}, "over 500",
                 id="evidence-too-long"),
    pytest.param({"note": "x\x1b[31m"}, "--note has a control character (U+001B) at "
                 "character 2: remove it", id="note-control-characters"),
    pytest.param({"note": "x" * 2001}, "--note must be at most 2000 characters of text (got "
                 "2001)", id="note-too-long"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_REPORTS)
def test_a_bad_report_is_refused_naming_the_option(changes: dict[str, Any],
                                                   message: str) -> None:
    values: dict[str, Any] = {"value": 10.0, "on": date(2021, 3, 1), "today": date(2021, 3, 1)}
    with pytest.raises(ProgressInvalid) as caught:
        check_report(pledge(), **(values | changes))
    assert message in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("url", [
    pytest.param("https://example.org/report-2021", id="https"),
    pytest.param("http://example.org/news?id=3", id="http-query"),
    pytest.param("HTTPS://Example.org/X", id="upper-case-scheme"),
])
def test_an_evidence_link_is_kept_as_given(url: str) -> None:
    assert check_evidence(url) == url


def test_record_progress_stores_the_report_and_its_event(database_url: str) -> None:
    store = PledgeStore(database_url)
    store.upgrade()
    stored = store.add(new_pledge())
    after = record_progress(store, stored.id, "enfants SCOLARISÉS", value=180,
                            on=date(2021, 5, 31), today=date(2021, 6, 2),
                            note=" Deux écoles ouvertes ", evidence="https://aide.example.org/n")
    state = after.indicator("Enfants scolarisés")
    assert state is not None
    assert state.reports == (ProgressReport(on=date(2021, 5, 31), value=180.0,
                                            note="Deux écoles ouvertes",
                                            evidence="https://aide.example.org/n"),)
    assert [e.action for e in store.events(stored.id)] == ["created", "progress"]
    store.close()


@pytest.mark.parametrize(("indicator", "value", "error"), [
    pytest.param("Heures", 3.0, UnknownIndicator, id="unknown-indicator"),
    pytest.param("Enfants scolarisés", float("nan"), ProgressInvalid, id="not-a-number"),
])
def test_a_refused_report_stores_nothing(database_url: str, indicator: str, value: float,
                                         error: type[Exception]) -> None:
    store = PledgeStore(database_url)
    store.upgrade()
    stored = store.add(new_pledge())
    with pytest.raises(error) as caught:
        record_progress(store, stored.id, indicator, value=value, on=date(2021, 5, 1),
                        today=date(2021, 6, 1))
    if error is UnknownIndicator:
        assert str(caught.value) == (f"pledge {stored.id} has no indicator 'Heures': its "
                                     "indicators are 'Enfants scolarisés'")
    assert store.get(stored.id).indicators[0].reports == ()
    assert [e.action for e in store.events(stored.id)] == ["created"]
    store.close()


# -- the July review ----------------------------------------------------------------------------
def test_mid_year_is_the_first_of_july() -> None:
    assert mid_year(2021) == date(2021, 7, 1)


@pytest.mark.parametrize(("lang", "survey", "silent"), [
    pytest.param("fr", "Après six mois, demandez à votre réseau",
                 "Nous n’avons pas de nouvelles de «Indicator 1» depuis le 1 mars 2021",
                 id="fr"),
    pytest.param("en", "After six months, ask your network",
                 "We have no news of “Indicator 1” since March 1, 2021", id="en"),
    pytest.param("es", "Después de seis meses, pregunte a su red",
                 "No tenemos noticias de «Indicator 1» desde el 1 de marzo de 2021", id="es"),
])
def test_review_questions_are_in_the_pledgers_language(lang: str, survey: str,
                                                       silent: str) -> None:
    light = pledge_light(pledge([(date(2021, 3, 1), 20)]), mid_year(2021))
    asked = questions_for(light, lang)
    assert asked[0].startswith(survey)
    assert asked[1].startswith(silent)


def test_review_of_orders_worst_first_and_skips_later_pledges() -> None:
    pledges = [pledge([(date(2021, 6, 20), 50)], pledge_id=1),
               pledge([(date(2021, 6, 20), 10)], pledge_id=2),
               pledge(indicators=0, pledge_id=3, language="es"),
               Pledge(id=4, form=pledge().form.model_copy(
                   update={"submitted_on": date(2021, 8, 1)}),
                   status=PledgeStatus.SUBMITTED, kind="organisation")]
    result = review_of(pledges, date(2021, 7, 1))
    assert [(e.light.pledge_id, e.light.light) for e in result.entries] == [
        (3, Light.UNKNOWN), (2, Light.BEHIND), (1, Light.ON_TRACK)]
    assert result.counts == {"unknown": 1, "overdue": 0, "silent": 0, "behind": 1,
                             "on_track": 1, "done": 0}
    assert result.entries[0].language == "es"
    assert result.entries[0].questions[1].startswith("¿Cómo evaluará que la promesa")


def test_review_reads_only_active_pledges(database_url: str) -> None:
    store = PledgeStore(database_url)
    store.upgrade()
    kept = store.add(new_pledge())
    store.add(new_pledge(status=PledgeStatus.DRAFT, title="Un brouillon de 2021"))
    store.add(new_pledge(status=PledgeStatus.WITHDRAWN, title="Une promesse retirée en 2021"))
    result = review(store, date(2021, 7, 1))
    assert [e.light.pledge_id for e in result.entries] == [kept.id]
    assert result.entries[0].light.light is Light.SILENT
    store.close()


# -- the monthly check-in ---------------------------------------------------------------------
def test_checkins_list_pledgers_without_a_report_this_month() -> None:
    pledges = [pledge([(date(2021, 6, 3), 40)], pledge_id=1),
               pledge([(date(2021, 5, 30), 40)], pledge_id=2),
               pledge([], pledge_id=3),
               pledge([(date(2021, 5, 2), 100)], pledge_id=4)]
    result = checkins_of(pledges, year=2021, month=6, today=date(2021, 6, 20))
    assert [(c.pledge_id, c.last_report, c.days_silent) for c in result.pledgers] == [
        (3, None, 170), (2, date(2021, 5, 30), 21)]
    first = result.pledgers[0]
    assert (first.focal_name, first.focal_email, dict(first.handles)) == (
        "Awa Diop", "awa@aide.example.org", {"x": "@aideenfance"})


def test_checkins_of_a_past_month_count_at_its_end() -> None:
    result = checkins_of([pledge([(date(2021, 3, 1), 10)])], year=2021, month=4,
                         today=date(2021, 9, 1))
    assert result.day == date(2021, 4, 30)
    assert result.pledgers[0].days_silent == 60


def test_checkins_leave_out_pledges_submitted_after_the_month() -> None:
    later = pledge().form.model_copy(update={"submitted_on": date(2021, 7, 5)})
    result = checkins_of([Pledge(id=9, form=later, status=PledgeStatus.SUBMITTED,
                                 kind="organisation")], year=2021, month=6,
                         today=date(2021, 7, 10))
    assert result.pledgers == ()


def test_checkins_do_not_count_a_report_dated_after_today() -> None:
    ahead = pledge([(date(2021, 6, 28), 40)], pledge_id=5)
    result = checkins_of([ahead], year=2021, month=6, today=date(2021, 6, 20))
    assert [(c.pledge_id, c.last_report) for c in result.pledgers] == [(5, None)]


@pytest.mark.parametrize(("baseline", "target", "value", "share"), [
    pytest.param(0, 1e-300, 1e15, 1000.0, id="target-a-hair-above-the-baseline"),
    pytest.param(1e-300, 0, -1e15, 1000.0, id="decreasing-by-a-hair"),
    pytest.param(-1e308, 1e308, 0, 0.5, id="the-widest-range"),
    pytest.param(0, 5e-324, 1, 1000.0, id="the-smallest-range"),
])
def test_the_share_done_is_always_a_finite_number(baseline: float, target: float,
                                                  value: float, share: float) -> None:
    from campaign.pledges.progress import share_done

    assert share_done(baseline, target, value) == pytest.approx(share)


def test_a_target_reached_after_its_deadline_is_done_and_says_late() -> None:
    late = pledge([(date(2021, 11, 1), 60), (date(2022, 1, 10), 100)],
                  deadline=date(2021, 12, 31))
    assert pledge_light(late, date(2022, 1, 5)).light is Light.OVERDUE
    done = pledge_light(late, date(2022, 1, 20)).indicators[0]
    assert (done.light, done.why) == (
        Light.DONE, "target 100 reached on 2022-01-10, after its deadline 2021-12-31")


def test_light_pledges_give_the_same_lights_as_whole_pledges(database_url: str) -> None:
    """The report reads pledges through light_pledges: their lights must be the same."""
    store = PledgeStore(database_url)
    store.upgrade()
    stored = store.add(new_pledge())
    record_progress(store, stored.id, "enfants scolarisés", value=90, on=date(2021, 5, 31),
                    today=date(2021, 6, 2))
    whole = store.pledges(statuses=("submitted",))
    light = store.light_pledges(("submitted",))
    assert [p.id for p in light] == [p.id for p in whole] == [stored.id]
    for day in (date(2021, 4, 1), date(2021, 7, 1), date(2022, 1, 1)):
        assert pledge_light(light[0], day) == pledge_light(whole[0], day)
    assert (light[0].form.name, light[0].form.title, light[0].form.audience) == (
        whole[0].form.name, whole[0].form.title, whole[0].form.audience)
    assert not store.light_pledges(("withdrawn",))
    store.close()


@pytest.mark.parametrize(("reports", "shape", "day", "expected"), LIGHTS)
def test_light_on_is_the_light_without_its_words(reports: list[tuple[date, float]],
                                                  shape: dict[str, float], day: date,
                                                  expected: Light) -> None:
    from campaign.pledges.progress import light_on

    assert light_on(pledge(reports, **shape), day) == pledge_light(pledge(reports, **shape),
                                                                   day).light == expected

"""Progress through the year: a traffic light per indicator and per pledge, the July mid-year
review the guide asks for, and the monthly check-in list of pledgers to remind.

A light compares how far an indicator has gone with how much of its time has passed:

- ``progress`` is ``(latest - baseline) / (target - baseline)``, the share of the way done, so a
  target below its baseline (fewer children at work, fewer hours) counts the same way;
- ``expected`` is the share of the time from the pledge's submission to the indicator's
  deadline that has passed on the day asked about, between 0 and 1.

The lights, in the order a pledge takes the worst of its indicators':

- ``overdue``: the deadline has passed and the target is not reached;
- ``silent``: no report for more than ``silent_after`` days (45 by default), counted from the
  pledge's last report on any of its indicators, or from the submission before the first: it
  is the pledger who is silent, so one indicator reported yesterday keeps the others from it;
- ``behind``: progress is more than ``TOLERANCE`` (10 points of the way) under the time passed;
- ``on_track``: progress is at least the time passed, less ``TOLERANCE``;
- ``done``: the target is reached (a pledge is done when every indicator is);
- ``unknown``: the pledge has no indicator, so nothing can be measured: add one.

Every function here is pure (a pledge and a day in, frozen values out) except the two that read
the store, :func:`review` and :func:`checkins`, which the CLI and the web dashboard both call.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

from campaign.errors import CampaignError
from campaign.pledges.models import ACTIVE
from campaign.pledges.store import IndicatorState, Pledge, PledgeStore, ProgressReport
from campaign.text.escape import CONTROL

SILENT_AFTER = 45  # days without a report before a pledge is silent
TOLERANCE = 0.10  # share of the way an indicator may lag the time passed and still be on track
MAX_NOTE = 2000  # characters of a progress note
MAX_EVIDENCE = 500  # characters of an evidence link (the column's size)
MAX_VALUE = 1e15
MAX_SHARE = 1000.0  # 100,000% of the way: further says nothing more


class Light(StrEnum):
    """Where an indicator or a pledge stands on a day."""

    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"
    SILENT = "silent"
    DONE = "done"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """The light as words: ``on track``."""
        return self.value.replace("_", " ")


# a pledge shows the worst light of its indicators
SEVERITY = (Light.UNKNOWN, Light.OVERDUE, Light.SILENT, Light.BEHIND, Light.ON_TRACK, Light.DONE)
LIGHTS = tuple(light.value for light in SEVERITY)


class ProgressInvalid(CampaignError):
    """A progress report that cannot be stored: one sentence naming the option and the fix."""


@dataclass(frozen=True)
class IndicatorLight:
    """One indicator on one day: its latest value, how far it has gone and its light."""

    name: str
    unit: str
    baseline: float
    target: float
    deadline: date
    latest: float | None
    latest_on: date | None
    progress: float  # share of the way from baseline to target (may be < 0 or > 1)
    expected: float  # share of the time from submission to deadline passed, 0 to 1
    days_silent: int
    light: Light
    why: str


@dataclass(frozen=True)
class PledgeLight:
    """One pledge on one day: the worst light of its indicators, and theirs."""

    pledge_id: int
    name: str
    title: str
    audience: str
    language: str
    status: str
    submitted_on: date
    day: date
    light: Light
    why: str
    last_report: date | None
    days_silent: int
    indicators: tuple[IndicatorLight, ...] = ()


def _fraction(done: float, whole: float) -> float:
    return 1.0 if whole <= 0 else max(0.0, min(1.0, done / whole))


def share_done(baseline: float, target: float, value: float) -> float:
    """The share of the way from ``baseline`` to ``target`` that ``value`` has gone; a target
    equal to its baseline (a level to keep) is reached only by that value."""
    if target == baseline:
        # no direction to measure along: 5 is not "past" a target of 5 kept from 5
        return 1.0 if value == target else 0.0
    span = target - baseline
    if math.isinf(span):  # a range as wide as floats go: halve every side, not to overflow
        share = (value / 2 - baseline / 2) / (target / 2 - baseline / 2)
    else:
        share = (value - baseline) / span
    # bounded, as a target a hair from its baseline makes the share infinite (and the JSON
    # invalid); + 0.0: a value still at its baseline, towards a lower target, is 0%, not -0%
    return max(-MAX_SHARE, min(MAX_SHARE, share)) + 0.0


def latest_report(reports: Iterable[ProgressReport], day: date) -> ProgressReport | None:
    """The report that stands on ``day``: of those dated on or before it, the newest, and of
    a day's several reports the one stored last (a correction replaces the value before)."""
    latest = None
    for report in reports:  # the store gives them by date, then in the order stored
        if report.on <= day and (latest is None or report.on >= latest.on):
            latest = report
    return latest


def indicator_light(state: IndicatorState, *, submitted: date, day: date,
                    silent_after: int = SILENT_AFTER,
                    last_report: date | None = None) -> IndicatorLight:
    """The light of one indicator on ``day``, from the reports dated on or before it;
    ``last_report`` is the pledge's last report on any indicator (silence is the pledger's)."""
    ind = state.indicator
    latest, progress, expected, since, heard, days_silent = _measure(
        state, submitted=submitted, day=day, last_report=last_report)
    light = _verdict(latest is not None, progress, expected, day, ind.deadline, days_silent,
                     silent_after)
    percent, time = f"{progress:.0%}", f"{expected:.0%}"
    if light is Light.DONE:
        assert latest is not None
        why = f"target {_num(ind.target)} reached on {latest.on}"
        if latest.on > ind.deadline:  # late, but reached: the December results say so
            why += f", after its deadline {ind.deadline}"
    elif light is Light.OVERDUE:
        why = f"deadline {ind.deadline} passed at {percent} of the way"
    elif light is Light.SILENT:
        what = f"since {since}" if heard else "since the pledge was submitted"
        why = f"no report for {days_silent} days ({what})"
    else:
        why = f"{percent} of the way with {time} of the time gone"
    return IndicatorLight(name=ind.name, unit=ind.unit, baseline=ind.baseline, target=ind.target,
                          deadline=ind.deadline, latest=latest.value if latest else None,
                          latest_on=latest.on if latest else None, progress=progress,
                          expected=expected, days_silent=days_silent, light=light, why=why)


def _measure(state: IndicatorState, *, submitted: date, day: date, last_report: date | None
             ) -> tuple[ProgressReport | None, float, float, date, bool, int]:
    """Where an indicator stands on ``day``: its report, progress, time gone, since when the
    pledger has been silent (and whether they were ever heard), days silent."""
    ind = state.indicator
    latest = latest_report(state.reports, day)
    value = latest.value if latest else ind.baseline
    progress = share_done(ind.baseline, ind.target, value)
    expected = _fraction((day - submitted).days, (ind.deadline - submitted).days)
    heard = [d for d in (latest.on if latest else None, last_report) if d is not None]
    since = max(heard) if heard else submitted
    return latest, progress, expected, since, bool(heard), max(0, (day - since).days)


def _verdict(reported: bool, progress: float, expected: float, day: date, deadline: date,
             days_silent: int, silent_after: int) -> Light:
    """The one rule of an indicator's light (its words are indicator_light's)."""
    if reported and progress >= 1:
        return Light.DONE
    if day > deadline:
        return Light.OVERDUE
    if days_silent > silent_after:
        return Light.SILENT
    if progress < expected - TOLERANCE:
        return Light.BEHIND
    return Light.ON_TRACK


def light_on(pledge: Pledge, day: date, *, silent_after: int = SILENT_AFTER) -> Light:
    """A pledge's light on ``day``, as :func:`pledge_light` gives it, without its words: what
    counting lights month by month (the December story, 10,000 pledges a month) needs."""
    submitted = pledge.form.submitted_on or day
    dates = [r.on for s in pledge.indicators for r in s.reports if r.on <= day]
    last = max(dates) if dates else None
    worst = Light.UNKNOWN
    for state in pledge.indicators:
        latest, progress, expected, _since, _heard, days_silent = _measure(
            state, submitted=submitted, day=day, last_report=last)
        light = _verdict(latest is not None, progress, expected, day,
                         state.indicator.deadline, days_silent, silent_after)
        if worst is Light.UNKNOWN or SEVERITY.index(light) < SEVERITY.index(worst):
            worst = light
    return worst


def pledge_light(pledge: Pledge, day: date, *, silent_after: int = SILENT_AFTER) -> PledgeLight:
    """The light of a pledge on ``day``: the worst of its indicators', ``unknown`` without any."""
    submitted = pledge.form.submitted_on or day
    dates = [r.on for s in pledge.indicators for r in s.reports if r.on <= day]
    last = max(dates) if dates else None
    lights = tuple(indicator_light(s, submitted=submitted, day=day, silent_after=silent_after,
                                   last_report=last)
                   for s in pledge.indicators)
    days_silent = max(0, (day - (last or submitted)).days)
    if not lights:
        light = Light.UNKNOWN
        why = (f"no indicator to measure progress: add one (name, unit, baseline, target, "
               f"deadline) with `campaign pledge edit {pledge.id}`")
    else:
        worst = min(lights, key=lambda i: SEVERITY.index(i.light))
        light = worst.light
        why = ("every indicator reached its target" if light is Light.DONE
               else f"{worst.name}: {worst.why}")
    return PledgeLight(pledge_id=pledge.id, name=pledge.form.name, title=pledge.form.title,
                       audience=pledge.form.audience, language=pledge.form.language,
                       status=pledge.status.value, submitted_on=submitted, day=day,
                       light=light, why=why, last_report=last, days_silent=days_silent,
                       indicators=lights)


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"


def count_lights(lights: Iterable[Light]) -> dict[str, int]:
    """How many of each light, every light named (0 when none), in the order of SEVERITY."""
    counts = dict.fromkeys(LIGHTS, 0)
    for light in lights:
        counts[light.value] += 1
    return counts


# -- recording a report -------------------------------------------------------------------------
def check_report(pledge: Pledge, *, value: float, on: date, today: date, note: str = "",
                 evidence: str = "") -> ProgressReport:
    """A progress report for ``pledge`` once its value, day, note and evidence link are checked;
    ProgressInvalid naming the option otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProgressInvalid(f"--value {value!r} is not a finite number: give the indicator's "
                              "value as a number, e.g. 120 or 12.5")
    if abs(value) > MAX_VALUE:
        raise ProgressInvalid(f"--value {value:g} is beyond ±{MAX_VALUE:g}: give the "
                              "indicator's value in its unit, e.g. 120 or 12.5")
    if on > today:
        raise ProgressInvalid(f"--on {on} is in the future (today is {today}): report a value "
                              "once it is measured")
    submitted = pledge.form.submitted_on
    if submitted is not None and on < submitted:
        raise ProgressInvalid(f"--on {on} is before pledge {pledge.id} was submitted "
                              f"({submitted}): give a day from then on")
    note = note.strip()
    control = CONTROL.search(note)
    if control:
        raise ProgressInvalid(f"--note has a control character (U+{ord(control.group()):04X}) "
                              f"at character {control.start() + 1}: remove it")
    if len(note) > MAX_NOTE:
        raise ProgressInvalid(f"--note must be at most {MAX_NOTE} characters of text (got "
                              f"{len(note)}): shorten it")
    evidence = evidence.strip()
    if evidence:
        check_evidence(evidence)
    return ProgressReport(on=on, value=float(value), note=note, evidence=evidence)


def check_evidence(url: str) -> str:
    """An evidence link: an http(s) address with a host, as given; ProgressInvalid otherwise."""
    problem = ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if len(url) > MAX_EVIDENCE:
        problem = f"is {len(url)} characters long, over {MAX_EVIDENCE}"
    elif any(c.isspace() for c in url) or CONTROL.search(url):
        problem = "has spaces or control characters"
    elif parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        problem = "is not an http(s) address"
    if problem:
        raise ProgressInvalid(f"--evidence {url!r} {problem}: give the page that shows the "
                              "progress, e.g. https://example.org/report-2021")
    return url


def record_progress(store: PledgeStore, pledge_id: int, indicator: str, *, value: float,
                    on: date, today: date, note: str = "", evidence: str = "",
                    actor: str = "") -> Pledge:
    """Check and store one value of one indicator; the pledge as stored. UnknownIndicator
    names the pledge's indicators; nothing is stored after a refusal."""
    pledge = store.get(pledge_id)
    report = check_report(pledge, value=value, on=on, today=today, note=note,
                          evidence=evidence)
    return store.add_progress(pledge_id, indicator, report, actor=actor)


# -- the July review ----------------------------------------------------------------------------
# what the secretariat asks a pledger in July, in the pledger's language, after the guide's
# survey question ("what you do well, what you can improve, what you miss")
SURVEY = {
    "en": "After six months, ask your network and partners: what are you doing well, what can "
          "you improve, what are you missing?",
    "fr": "Après six mois, demandez à votre réseau et à vos partenaires: que faites-vous bien, "
          "que pouvez-vous améliorer, que vous manque-t-il?",
    "es": "Después de seis meses, pregunte a su red y a sus socios: ¿qué hace bien, qué puede "
          "mejorar, qué le falta?",
}
QUESTIONS: Mapping[Light, Mapping[str, str]] = {
    Light.ON_TRACK: {
        "en": "What is working that others could copy, and what did it cost?",
        "fr": "Qu’est-ce qui fonctionne et pourrait être reproduit ailleurs, et à quel coût?",
        "es": "¿Qué funciona y podría reproducirse en otro lugar, y a qué costo?",
    },
    Light.BEHIND: {
        "en": "What is holding back “{name}”, and what help or change of plan would bring it "
              "back on track by {deadline}?",
        "fr": "Qu’est-ce qui freine «{name}», et quelle aide ou quel changement de plan le "
              "remettrait sur la bonne voie d’ici au {deadline}?",
        "es": "¿Qué frena «{name}», y qué ayuda o cambio de plan lo devolvería al buen "
              "camino antes del {deadline}?",
    },
    Light.OVERDUE: {
        "en": "The deadline of “{name}” ({deadline}) has passed: what is its final value, "
              "and will you set a new deadline?",
        "fr": "L’échéance de «{name}» ({deadline}) est passée: quelle est sa valeur finale, "
              "et fixerez-vous une nouvelle échéance?",
        "es": "El plazo de «{name}» ({deadline}) ha vencido: ¿cuál es su valor final, y "
              "fijará un nuevo plazo?",
    },
    Light.SILENT: {
        "en": "We have no news of “{name}” since {since}: where does it stand today?",
        "fr": "Nous n’avons pas de nouvelles de «{name}» depuis le {since}: où en est-il "
              "aujourd’hui?",
        "es": "No tenemos noticias de «{name}» desde el {since}: ¿en qué punto está hoy?",
    },
    Light.DONE: {
        "en": "“{name}” reached its target: will you share the results and costs so others "
              "can replicate it, and how will you scale it up by 2025?",
        "fr": "«{name}» a atteint sa cible: partagerez-vous les résultats et les coûts pour "
              "que d’autres la reproduisent, et comment l’amplifierez-vous d’ici à 2025?",
        "es": "«{name}» alcanzó su meta: ¿compartirá los resultados y costos para que otros "
              "la reproduzcan, y cómo la ampliará de aquí a 2025?",
    },
    Light.UNKNOWN: {
        "en": "How will you measure that the pledge is kept? Give an indicator: its name, unit, "
              "baseline, target and deadline.",
        "fr": "Comment évaluerez-vous que la promesse a été tenue? Donnez un indicateur: son "
              "nom, son unité, sa valeur de départ, sa cible et son échéance.",
        "es": "¿Cómo evaluará que la promesa se ha cumplido? Indique un indicador: su nombre, "
              "unidad, valor de partida, meta y plazo.",
    },
}
QUESTION_LANGUAGES = ("fr", "en", "es")


@dataclass(frozen=True)
class ReviewEntry:
    """One pledge in the mid-year review: its lights and what to ask its pledger."""

    light: PledgeLight
    focal_name: str
    focal_email: str
    language: str  # the language of the questions: the pledge's, English when not fr/en/es
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    """The mid-year review of every active pledge on one day."""

    day: date
    silent_after: int
    entries: tuple[ReviewEntry, ...]
    counts: Mapping[str, int] = field(default_factory=dict)  # pledges per light


def mid_year(year: int) -> date:
    """The day of the July review: the 1st of July of the campaign's year, six months in."""
    return date(year, 7, 1)


def questions_for(light: PledgeLight, lang: str) -> tuple[str, ...]:
    """What to ask the pledger in ``lang``: the guide's survey question, then one question per
    indicator not on track (or one for the pledge when it has no indicator)."""
    lang = lang if lang in QUESTION_LANGUAGES else "en"
    asked = [SURVEY[lang]]
    if light.light is Light.UNKNOWN:
        asked.append(QUESTIONS[Light.UNKNOWN][lang])
    for ind in light.indicators:
        if ind.light is Light.ON_TRACK:
            continue
        # silence is the pledger's: the news last heard of the pledge, on any indicator
        since = light.last_report or light.submitted_on
        asked.append(QUESTIONS[ind.light][lang].format(
            name=ind.name, deadline=_long_date(ind.deadline, lang),
            since=_long_date(since, lang)))
    if light.light is Light.ON_TRACK:
        asked.append(QUESTIONS[Light.ON_TRACK][lang])
    return tuple(asked)


def _long_date(day: date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=lang))


def review_of(pledges: Iterable[Pledge], day: date, *,
              silent_after: int = SILENT_AFTER) -> Review:
    """The review of these pledges on ``day`` (those submitted by then), worst lights first."""
    entries = []
    for pledge in pledges:
        if pledge.form.submitted_on and pledge.form.submitted_on > day:
            continue
        light = pledge_light(pledge, day, silent_after=silent_after)
        lang = pledge.form.language if pledge.form.language in QUESTION_LANGUAGES else "en"
        entries.append(ReviewEntry(light=light, focal_name=pledge.form.focal_point.name,
                                   focal_email=pledge.form.focal_point.email, language=lang,
                                   questions=questions_for(light, lang)))
    entries.sort(key=lambda e: (SEVERITY.index(e.light.light), e.light.pledge_id))
    return Review(day=day, silent_after=silent_after, entries=tuple(entries),
                  counts=count_lights(e.light.light for e in entries))


def review(store: PledgeStore, day: date, *, silent_after: int = SILENT_AFTER) -> Review:
    """The mid-year review of every active (submitted or accepted) pledge on ``day``."""
    return review_of(store.pledges(statuses=sorted(ACTIVE)), day, silent_after=silent_after)


# -- the monthly check-in ----------------------------------------------------------------------
@dataclass(frozen=True)
class CheckIn:
    """A pledger with no report in the month: whom to remind, where, and since when."""

    pledge_id: int
    name: str
    title: str
    language: str
    focal_name: str
    focal_email: str
    handles: Mapping[str, str]
    last_report: date | None
    days_silent: int
    light: Light


@dataclass(frozen=True)
class CheckIns:
    """The check-in list of one month, counted on ``day``."""

    year: int
    month: int
    day: date
    pledgers: tuple[CheckIn, ...]


def checkins_of(pledges: Iterable[Pledge], *, year: int, month: int, today: date,
                silent_after: int = SILENT_AFTER) -> CheckIns:
    """The pledgers of these pledges with no report dated in ``month`` of ``year``, longest
    silent first. Pledges submitted after the month, or whose every target is reached, are
    left out: there is nothing to remind them of."""
    if not 1 <= month <= 12:
        raise ProgressInvalid(f"--month {month} is not a month: give 1 to 12 or a name")
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    day = min(today, last)  # a past month is counted as it stood at its end
    found = []
    for pledge in pledges:
        if pledge.form.submitted_on and pledge.form.submitted_on > last:
            continue
        # a report dated after the day counted on is not news yet (pledge_light ignores it)
        if any(first <= r.on <= day for s in pledge.indicators for r in s.reports):
            continue
        light = pledge_light(pledge, day, silent_after=silent_after)
        if light.light is Light.DONE:
            continue
        form = pledge.form
        found.append(CheckIn(pledge_id=pledge.id, name=form.name, title=form.title,
                             language=form.language, focal_name=form.focal_point.name,
                             focal_email=form.focal_point.email, handles=dict(form.handles),
                             last_report=light.last_report, days_silent=light.days_silent,
                             light=light.light))
    found.sort(key=lambda c: (-c.days_silent, c.pledge_id))
    return CheckIns(year=year, month=month, day=day, pledgers=tuple(found))


def checkins(store: PledgeStore, *, year: int, month: int, today: date,
             silent_after: int = SILENT_AFTER) -> CheckIns:
    """The monthly check-in list of the active pledges (see :func:`checkins_of`)."""
    return checkins_of(store.pledges(statuses=sorted(ACTIVE)), year=year, month=month,
                       today=today, silent_after=silent_after)


def light_record(light: PledgeLight) -> dict[str, object]:
    """A pledge's light as plain data (the JSON the CLI prints and the dashboard reads)."""
    return {"pledge": light.pledge_id, "name": light.name, "title": light.title,
            "audience": light.audience, "status": light.status, "day": light.day.isoformat(),
            "light": light.light.value, "why": light.why,
            "last_report": light.last_report.isoformat() if light.last_report else None,
            "days_silent": light.days_silent,
            "indicators": [indicator_record(i) for i in light.indicators]}


def indicator_record(ind: IndicatorLight) -> dict[str, object]:
    """An indicator's light as plain data."""
    return {"name": ind.name, "unit": ind.unit, "baseline": ind.baseline, "target": ind.target,
            "deadline": ind.deadline.isoformat(), "latest": ind.latest,
            "latest_on": ind.latest_on.isoformat() if ind.latest_on else None,
            "progress": round(ind.progress, 4), "expected": round(ind.expected, 4),
            "days_silent": ind.days_silent, "light": ind.light.value, "why": ind.why}


def checkin_fields(item: CheckIn, networks: Sequence[str]) -> list[object]:
    """One check-in as the cells of the CSV the CLI writes (see CHECKIN_HEADER)."""
    return [item.pledge_id, item.name, item.focal_name, item.focal_email, item.language,
            *(item.handles.get(n, "") for n in networks),
            item.last_report.isoformat() if item.last_report else "", item.days_silent,
            item.light.value, item.title]


def checkin_header(networks: Sequence[str]) -> list[str]:
    """The header of the check-in CSV, one column per network."""
    return ["pledge", "name", "focal_name", "focal_email", "language", *networks,
            "last_report", "days_silent", "light", "title"]

"""Is a pledge SMART? A rule-based, explainable check in French, English and Spanish.

Five criteria, as the guide asks of a 2021 Action Pledge: specific, measurable, achievable,
realistic, time-bound. Each verdict says what was found (quoting the pledger's own words) or what
is missing, and how to fix it, in the pledge's language. ``ok`` is None when the text alone cannot
tell; ``why`` then asks the guide's own question. No network, no model: the words looked for are
in :mod:`campaign.pledges.lexicon` (one data module per language), month names come from Babel.

The rules, in the order a reader checks them:

- **time-bound**: a date, a month or a year by the end of the campaign's year (``year``), or a
  span within it; a year after ``horizon`` (2025, the scaling plan's end) makes it false, so does
  a text whose only years come after the campaign's year (they belong to the scaling plan) or
  before it. For a pledge form, an indicator due within the year counts too.
- **measurable**: a number, a percentage, a count in digits or in words («deux mille», «X%»), an
  amount of money, a factor («doubler»), or an indicator with a target. A figure left to fill
  in counts: «X%», «X accords», «un certain nombre de», «a set percentage of», because the
  guide's own SMART examples are written so; the suggestion asks for the figure. A number that
  names something («Convention n° 138», «COVID-19», «SDG 8.7»), an age («de 15 à 17 ans») or a
  date is not a quantity. With no quantity, a concrete action is null (done or not done: the
  guide's question «Comment évaluerez-vous…?»), anything else false.
- **specific**: a concrete action verb with its object («Tenir une conférence»), or a
  deliverable named («un concours», «une feuille de route»); awareness, intention and support
  verbs alone («sensibiliser», «promouvoir», «lutter contre», «raise awareness», «work towards»,
  «concienciar», «promover»), or ending child labour itself, are not.
- **achievable**: signals only: resources, budget, staff, partners, funds or a cost named (the
  form's estimated cost included) make it true; otherwise null, with the guide's question on
  the steps and resources needed.
- **realistic**: ending child labour as the action itself («mettre fin au travail des enfants
  partout en 2021») is the 2025 goal, not one year's work: false, unless it is limited to a
  scope of one's own («dans nos plantations»). A scope that fits a year (a pilot, a given region
  or programme, a pathfinder country, a number of schools, an existing strategy) makes it true;
  otherwise null, with the guide's question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Protocol

from campaign.errors import CampaignError
from campaign.pledges.lexicon import LANGUAGES, Lexicon, lexicon
from campaign.pledges.smart_text import (
    Folded,
    Span,
    Taken,
    alternation,
    extend,
    extend_noun,
    fold,
    spans,
)
from campaign.pledges.smart_time import TimeHit, find_times
from campaign.pledges.words import count_words

CRITERIA = ("specific", "measurable", "achievable", "realistic", "time_bound")
SMART_LANGUAGES = LANGUAGES
YEAR = 2021
HORIZON = 2025
_MAX_QUOTES = 3


class SmartLanguageError(CampaignError):
    """The SMART check does not speak the language asked for."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        super().__init__(f"the SMART check has no language {lang[:20]!r}: choose one of "
                         f"{', '.join(SMART_LANGUAGES)}")


class EmptyPledgeText(CampaignError):
    """There is no text to check."""

    def __init__(self) -> None:
        super().__init__("there is no pledge text to check: give the pledge's title or how it "
                         "will be carried out in the year")


@dataclass(frozen=True)
class Verdict:
    """One criterion's verdict: ``ok`` True, False or None (the text alone cannot tell), what
    was found or is missing (``why``), and how to fix it (``suggestion``, may be empty)."""

    ok: bool | None
    why: str
    suggestion: str

    def to_json(self) -> dict[str, object]:
        """``{"ok": …, "why": …, "suggestion": …}``."""
        return {"ok": self.ok, "why": self.why, "suggestion": self.suggestion}


@dataclass(frozen=True)
class SmartResult:
    """The SMART check of one text: its language, its word count and the five verdicts."""

    lang: str
    words: int
    criteria: Mapping[str, Verdict]  # keys: CRITERIA, in that order

    def to_json(self) -> dict[str, object]:
        """The shape scripts rely on: ``{"lang", "words", "criteria": {name: verdict}}``."""
        return {"lang": self.lang, "words": self.words,
                "criteria": {name: self.criteria[name].to_json() for name in CRITERIA}}

    def failed(self) -> list[str]:
        """The criteria whose verdict is False, in CRITERIA order."""
        return [name for name in CRITERIA if self.criteria[name].ok is False]


# -- what a pledge form gives the check (duck-typed: campaign.pledges.form.PledgeForm fits) ----
class IndicatorLike(Protocol):
    """An indicator: from ``baseline`` to ``target`` (in ``unit``) by ``deadline``."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def baseline(self) -> float: ...
    @property
    def target(self) -> float: ...
    @property
    def deadline(self) -> date: ...


class CostLike(Protocol):
    """An estimated cost."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


class PledgeLike(Protocol):
    """What the check reads of a pledge form."""

    @property
    def title(self) -> str: ...
    @property
    def implementation(self) -> str: ...
    @property
    def contribution(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def indicators(self) -> Sequence[IndicatorLike]: ...
    @property
    def cost(self) -> CostLike | None: ...


def check_text(text: str, lang: str, *, year: int = YEAR, horizon: int = HORIZON) -> SmartResult:
    """The SMART check of ``text`` written in ``lang`` (fr, en or es), as a 2021 action."""
    return _check(text, _language(lang), year=year, horizon=horizon)


def check_pledge(form: PledgeLike, *, year: int, horizon: int = HORIZON) -> SmartResult:
    """The SMART check of a pledge form: its title and how it will be implemented in ``year``
    (the action), with its indicators (measurable, and time-bound when due within the year) and
    its estimated cost (achievable). The contribution to 2025 is the plan, not the year's
    action, so its years are not held against the pledge."""
    text = "\n".join(t.strip() for t in (form.title, form.implementation) if t and t.strip())
    return _check(text, _language(form.language), year=year, horizon=horizon,
                  indicators=tuple(form.indicators), cost=form.cost)


def _language(lang: str) -> str:
    code = (lang or "").strip().casefold()
    if code not in SMART_LANGUAGES:
        raise SmartLanguageError(lang)
    return code


# -- the compiled rules of one language -------------------------------------------------------
@dataclass(frozen=True)
class _Rules:
    lex: Lexicon
    concrete: re.Pattern[str]
    deliverables: re.Pattern[str]
    vague: re.Pattern[str]
    goal: re.Pattern[str]
    purpose_end: re.Pattern[str]
    percent: re.Pattern[str]
    placeholders: re.Pattern[str]
    factors: re.Pattern[str]
    not_counts: re.Pattern[str]
    number_words: re.Pattern[str]
    money: re.Pattern[str]
    currency_words: re.Pattern[str]
    resources: re.Pattern[str]
    universal: re.Pattern[str]
    scope: re.Pattern[str]
    stopwords: frozenset[str]
    counted: frozenset[str]  # stopwords and counts in words: «Former deux mille inspecteurs»


_X = re.compile(r"(?<![\w'-])x(?:\s*(?P<pct>%)|\s+(?P<noun>[a-z][\w'-]*))")
_DIGITS = re.compile(r"(?<![\w.,/-])\d+(?:[ .,]\d{3})*(?:[.,]\d+)?(?![\w/-])")
_OBJECT = re.compile(r"[ \t]+(?:[^\s.,;:!?()\[\]«»\"“”]*[a-z0-9])")
_NOT_PLACEHOLDER_BEFORE = frozenset({"sur", "on", "via", "onto"})
_SYMBOLS = "$¢£¤¥€₹₦₵₱₩₫₪₽₺₴₡₲₭₮₸"
_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")


@cache
def _rules(lang: str) -> _Rules:
    lex = lexicon(lang)
    numbers = alternation(lex.number_words, wrap=False)
    count = rf"(?:\d+|x|{numbers})"
    goal = (rf"(?<!\w){alternation(lex.goal_verbs, wrap=False)}(?:\s+[\w']+){{0,3}}?\s+"
            rf"{alternation(lex.child_labour, wrap=False)}(?!\w)")
    from babel.numbers import list_currencies

    codes = "|".join(sorted((c.lower() for c in list_currencies()), key=len, reverse=True))
    unit = rf"(?:[{re.escape(_SYMBOLS)}]|(?:{codes}|{alternation(lex.currency_words, wrap=False)})"\
        r"(?!\w))"
    amount = (r"\d+(?:[ .,]\d{3})*(?:[.,]\d+)?"
              r"(?:\s*(?:million\w*|milliard\w*|billion\w*|millon\w*|mil|mn|m|k)(?!\w))?")
    # «1,5 million d’euros», «2 millions de FCFA», «2 millones de dólares», «a million of»
    multiple = (r"\d+(?:[.,]\d+)?\s*(?:million\w*|milliard\w*|billion\w*|millon\w*)"
                r"(?:\s+(?:de|of)\s+|\s+d')")
    return _Rules(
        lex=lex,
        concrete=re.compile(alternation(lex.concrete)),
        deliverables=re.compile(alternation(lex.deliverables)),
        vague=re.compile(alternation(lex.vague)),
        goal=re.compile(goal),
        purpose_end=re.compile(rf"(?<!\w){alternation(lex.purpose, wrap=False)}"
                               r"(?:\s+[\w']+){0,2}\s*$"),
        percent=re.compile(rf"(?<![\w.,])(?:\d+(?:[.,]\d+)?|x)\s*(?:%|"
                           rf"{alternation(lex.percent_words, wrap=False)}(?!\w))"),
        placeholders=re.compile(alternation(lex.placeholders)),
        factors=re.compile(alternation(lex.factors)),
        not_counts=re.compile(alternation(lex.not_counts)),
        number_words=re.compile(rf"(?<!\w){numbers}(?:[\s-]+(?:(?:et|and|y)[\s-]+)?{numbers})*"
                                r"(?!\w)"),
        money=re.compile(rf"(?<!\w)(?:{unit}\s?{amount}|{multiple}{unit}|{amount}\s?{unit})"),
        currency_words=re.compile(alternation(lex.currency_words)),
        resources=re.compile(alternation(lex.resources)),
        universal=re.compile(alternation(lex.universal)),
        scope=re.compile(alternation(s.replace("{count}", count) for s in lex.scope)),
        stopwords=frozenset(fold(w) for w in lex.stopwords),
        counted=frozenset(fold(w) for w in (*lex.stopwords, *lex.number_words)),
    )


# -- the check -------------------------------------------------------------------------------
class _Say:
    """The feedback texts of one language, with the pledger's words quoted its way."""

    def __init__(self, folded: Folded, lex: Lexicon, year: int, horizon: int) -> None:
        self.folded, self.lex, self.year, self.horizon = folded, lex, year, horizon

    def quote(self, texts: Sequence[str]) -> str:
        left, right = self.lex.quotes
        unique = list(dict.fromkeys(t for t in texts if t))[:_MAX_QUOTES]
        return ", ".join(f"{left}{t}{right}" for t in unique)

    def of(self, found: Sequence[Span]) -> str:
        return self.quote([self.folded.quote(s) for s in found])

    def __call__(self, key: str, found: str = "") -> str:
        if not key:
            return ""
        text = self.lex.messages[key].format(found=found, year=self.year, horizon=self.horizon)
        return text[:1].upper() + text[1:]

    def question(self, criterion: str) -> str:
        return self.lex.questions[criterion].format(year=self.year, horizon=self.horizon)


def _check(text: str, lang: str, *, year: int, horizon: int,
           indicators: Sequence[IndicatorLike] = (), cost: CostLike | None = None) -> SmartResult:
    if not text or not text.strip():
        raise EmptyPledgeText()
    horizon = max(horizon, year)  # a campaign run after 2025 plans beyond its own year
    rules = _rules(lang)
    folded = Folded(text)
    say = _Say(folded, rules.lex, year, horizon)
    times = find_times(folded, lang, year=year, horizon=horizon)
    specific, concrete = _specific(folded, rules, say, [t.span for t in times])
    money = _money_spans(folded, rules)
    verdicts = {
        "specific": specific,
        "measurable": _measurable(folded, rules, say, times, money, indicators, specific.ok),
        "achievable": _achievable(folded, rules, say, money, cost, lang),
        "realistic": _realistic(folded, rules, say, concrete),
        "time_bound": _time_bound(say, times, indicators, lang),
    }
    return SmartResult(lang=lang, words=count_words(text),
                       criteria={name: verdicts[name] for name in CRITERIA})


def _of(folded: Folded, span: Span, stopwords: frozenset[str]) -> Span:
    """A phrase that ends on a function word, grown to the noun it leads to: «un certain
    nombre de» becomes «un certain nombre de ratifications», «dans nos» «dans nos plantations»."""
    last = folded.text[span.start:span.end].split()[-1:]
    return extend(folded, span, stopwords, content=1, most=3) if last and last[0] in stopwords \
        else span


def _money_spans(folded: Folded, rules: _Rules) -> list[Span]:
    """Amounts of money; a currency code counts only in capitals, as ISO 4217 writes it (in
    lower case «sur», «all» or «top» are words, not the Soviet rouble, the lek or the paʻanga)."""
    found = []
    for span in spans(rules.money, folded.text):
        said = folded.quote(span)
        if any(c in _SYMBOLS for c in said) or rules.currency_words.search(
                folded.text, span.start, span.end) or _CODE.search(said):
            found.append(span)
    return found


def _specific(folded: Folded, rules: _Rules, say: _Say,
              times: Sequence[Span]) -> tuple[Verdict, list[Span]]:
    text = folded.text
    vague = list(spans(rules.vague, text)) + list(spans(rules.goal, text))
    concrete = [s for s in spans(rules.concrete, text, vague) if _OBJECT.match(text, s.end)]
    if concrete:
        # the first action is the pledge's; later ones are often its object's nouns ("fund")
        action = extend(folded, concrete[0], rules.counted, before=times)
        return Verdict(True, say("specific.ok", say.of([action])), ""), concrete
    deliverables = list(spans(rules.deliverables, text))
    if deliverables:
        return Verdict(True, say("specific.noun", say.of(deliverables)),
                       say("specific.noun_fix")), []
    if vague:
        vague.sort(key=lambda s: s.start)
        return Verdict(False, say("specific.vague", say.of(vague)), say("specific.fix")), []
    return Verdict(False, say("specific.none"), say("specific.fix")), []


def _measurable(folded: Folded, rules: _Rules, say: _Say, times: Sequence[TimeHit],
                money: Sequence[Span], indicators: Sequence[IndicatorLike],
                concrete: bool | None) -> Verdict:
    if indicators:
        shown = [f"{i.name}: {_number(i.baseline, say.lex.lang)} → "
                 f"{_number(i.target, say.lex.lang)}{' ' + i.unit if i.unit else ''}"
                 for i in indicators]
        return Verdict(True, say("measurable.indicator", say.quote(shown)), "")
    text = folded.text
    real: list[Span] = []
    placeholders: list[Span] = []
    masked = Taken(t.span for t in times)
    for span in spans(rules.percent, text, masked):
        (placeholders if text[span.start] == "x" else real).append(span)
    for span in spans(rules.placeholders, text, masked):
        placeholders.append(_of(folded, span, rules.stopwords))
    held = Taken(placeholders)
    for match in _X.finditer(text):
        span = Span(match.start(), match.end())
        if match["pct"] or held.overlaps(span):
            continue
        before = text[max(0, match.start() - 40):match.start()].split()[-1:]
        if before and before[0] in _NOT_PLACEHOLDER_BEFORE:
            continue
        noun = match["noun"]
        if noun and len(noun) >= 3 and noun not in rules.stopwords:
            placeholders.append(extend_noun(folded, Span(span.start, span.start + 1),
                                            rules.stopwords))
            held.add(placeholders[-1])
    taken = Taken([t.span for t in times] + real + placeholders +
                  list(spans(rules.not_counts, text)))
    factors = list(spans(rules.factors, text, taken))
    amounts = [s for s in money if not taken.overlaps(s)]
    for span in factors + amounts:
        real.append(span)
        taken.add(span)
    for pattern in (_DIGITS, rules.number_words):
        for span in spans(pattern, text, taken):
            grown = extend(folded, span, rules.stopwords, content=1, most=2)
            real.append(grown)
            taken.add(grown)
    if real or placeholders:
        found = sorted(real + placeholders, key=lambda s: s.start)
        fix = say("measurable.placeholder_fix", say.of(placeholders)) if placeholders else ""
        key = "measurable.ok" if real else "measurable.placeholder"
        return Verdict(True, say(key, say.of(found)), fix)
    if concrete:
        return Verdict(None, say.question("measurable"), say("measurable.null_fix"))
    return Verdict(False, say("measurable.none"), say("measurable.fix"))


def _achievable(folded: Folded, rules: _Rules, say: _Say, money: Sequence[Span],
                cost: CostLike | None, lang: str) -> Verdict:
    if cost is not None:
        return Verdict(True, say("achievable.cost", say.quote([_money(cost, lang)])), "")
    found = sorted(list(spans(rules.resources, folded.text)) + list(money),
                   key=lambda s: s.start)
    if found:
        return Verdict(True, say("achievable.ok", say.of(found)), "")
    return Verdict(None, say.question("achievable"), say("achievable.fix"))


def _realistic(folded: Folded, rules: _Rules, say: _Say, concrete: Sequence[Span]) -> Verdict:
    text = folded.text
    first_action = min((s.start for s in concrete), default=len(text))
    goals = [g for g in spans(rules.goal, text)
             if g.start <= first_action and not rules.purpose_end.search(text[:g.start])]
    universal = list(spans(rules.universal, text))
    scope = list(spans(rules.scope, text))
    if goals and (universal or not scope):
        return Verdict(False, say("realistic.goal", say.of(goals + universal)),
                       say("realistic.goal_fix"))
    if scope and not goals:
        shown = [_of(folded, s, rules.stopwords) for s in scope]
        return Verdict(True, say("realistic.ok", say.of(shown)), "")
    return Verdict(None, say.question("realistic"), say("realistic.fix"))


def _time_bound(say: _Say, times: Sequence[TimeHit], indicators: Sequence[IndicatorLike],
                lang: str) -> Verdict:
    year, horizon = say.year, say.horizon
    quoted = [(say.folded.quote(t.span), t.year) for t in times]
    due = [(f"{i.name}: {_day(i.deadline, lang)}", i.deadline.year) for i in indicators]
    late = [q for q, y in quoted + due if y is not None and y > horizon]
    if late:
        return Verdict(False, say("time_bound.after_horizon", say.quote(late)),
                       say("time_bound.plan_fix"))
    within = [q for q, y in quoted if y is None or y == year]
    if within:
        return Verdict(True, say("time_bound.ok", say.quote(within)), "")
    due_within = [q for q, y in due if y == year]
    if due_within:
        return Verdict(True, say("time_bound.indicator", say.quote(due_within)), "")
    after = [q for q, y in quoted + due if y is not None and year < y]
    if after:
        return Verdict(False, say("time_bound.after_year", say.quote(after)),
                       say("time_bound.plan_fix"))
    before = [q for q, y in quoted + due if y is not None and y < year]
    if before:
        return Verdict(False, say("time_bound.past", say.quote(before)), say("time_bound.fix"))
    return Verdict(False, say("time_bound.none"), say("time_bound.fix"))


# an import checks thousands of pledges whose targets, deadlines and costs repeat: Babel's
# formatting is a third of the check's time, so each value is formatted once per language
@lru_cache(maxsize=4096)
def _number(value: float | Decimal, lang: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=lang))


@lru_cache(maxsize=4096)
def _day(day: date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=lang))


def _money(cost: CostLike, lang: str) -> str:
    # the ISO code, not a symbol: "$" alone does not say which dollar
    return f"{_number(cost.amount, lang)} {cost.currency}"

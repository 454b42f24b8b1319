"""The time-bound part of the SMART check: the dates, months, years and spans of time a pledge
names, in French, English or Spanish.

Month names, wide and abbreviated, come from Babel's locale data (CLDR), never from a list of
our own. What is found: a date («30 juin 2021», «June 30, 2021», «12/06/2021», «2021-06-12»), a
day and month («le 12 juin», the campaign's year), a month after a word that makes it a deadline
(«d’ici juin», «by June», «antes de junio»), a month and year, a year («en 2021», «2022-2025»),
a span within the year («cette année», «by the end of the year», «en los próximos seis meses»).
A four-digit number is read as a year when a word of time leads it, when no noun follows it, when
it is part of a range or when it lies between the year before the campaign's and its horizon:
«Embaucher 2000 enseignants» is a count, «le budget 2021» a year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from campaign.pledges.lexicon import Lexicon, lexicon
from campaign.pledges.smart_text import Folded, Span, Taken, alternation, fold, fold_pattern

_YEAR = r"(?:19|20)\d{2}"
_RANGE_JOIN = r"\s*(?:-|/|à|a|to|al|y|et|and)\s*"


@dataclass(frozen=True)
class TimeHit:
    """A moment a pledge names: its words and the year it falls in (None: within the year)."""

    span: Span
    year: int | None
    last_day: date | None = None  # the day a date names, when it names one


@dataclass(frozen=True)
class _Patterns:
    numeric: re.Pattern[str]
    iso: re.Pattern[str]
    month_year_numeric: re.Pattern[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str] | None
    month_year: re.Pattern[str]
    bare_month: re.Pattern[str]
    relative: re.Pattern[str]
    duration: re.Pattern[str]
    year: re.Pattern[str]
    year_before: frozenset[str]
    months: dict[str, int]
    day_first: bool


def month_names(lang: str) -> dict[str, int]:
    """Every way Babel writes a month in ``lang`` (wide and abbreviated, with and without its
    final dot, folded), and the month's number."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, locale=lang).items():
                folded = fold(str(name)).rstrip(".")
                names.setdefault(folded, int(number))
    return names


def wide_month_names(lang: str) -> list[str]:
    """The months' full names in ``lang``, folded (a bare month needs its full name: «May» the
    month, not the verb)."""
    from babel.dates import get_month_names

    return [fold(str(n)) for n in get_month_names("wide", "format", locale=lang).values()]


@cache
def patterns(lang: str) -> _Patterns:
    """The compiled time patterns of ``lang``, built once."""
    lex = lexicon(lang)
    months = month_names(lang)
    any_month = "(?:" + "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True)) \
        + r")\.?"
    wide = "(?:" + "|".join(re.escape(m) for m in sorted(wide_month_names(lang), key=len,
                                                          reverse=True)) + ")"
    lead = rf"(?P<lead>{alternation(lex.month_before, wrap=False)}\s*)"
    edge = r"(?<!\w)"
    ordinal = r"(?:er|st|nd|rd|th|o|º)?"
    month_day = None
    if lang == "en":  # "June 30, 2021": the month first
        month_day = re.compile(rf"{edge}{lead}?(?P<m>{any_month})\s+(?P<d>\d{{1,2}}){ordinal}"
                               rf"(?:,?\s+(?P<y>{_YEAR}))?(?![\d\w])")
    n = "(?P<n>\\d{1,3}|" + "|".join(sorted((fold(w) for w in lex.small_numbers), key=len,
                                            reverse=True)) + ")"
    duration = fold_pattern(lex.duration).replace("{n}", n)
    return _Patterns(
        numeric=re.compile(rf"(?<![\d/.-])(?P<a>\d{{1,2}})[/.-](?P<b>\d{{1,2}})[/.-]"
                           rf"(?P<y>{_YEAR})(?![\d])"),
        iso=re.compile(rf"(?<![\d/.-])(?P<y>{_YEAR})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
        month_year_numeric=re.compile(rf"(?<![\d/.-])(?P<m>\d{{1,2}})/(?P<y>{_YEAR})(?!\d)"),
        day_month=re.compile(rf"{edge}{lead}?(?P<d>\d{{1,2}}){ordinal}\s+(?:de\s+)?"
                             rf"(?P<m>{any_month})(?:,?\s+(?:de\s+|del\s+)?(?P<y>{_YEAR}))?"
                             rf"(?![\w])"),
        month_day=month_day,
        month_year=re.compile(rf"{edge}{lead}?(?P<m>{any_month})\s+(?:de\s+|del\s+|of\s+)?"
                              rf"(?P<y>{_YEAR})(?!\d)"),
        bare_month=re.compile(rf"{edge}{lead}(?P<m>{wide})(?!\w)"),
        relative=re.compile(alternation(lex.relative)),
        duration=re.compile(rf"(?<!\w){duration}(?!\w)"),
        year=re.compile(rf"{edge}{lead}?(?<![\d.,])(?P<y>{_YEAR})(?:{_RANGE_JOIN}"
                        rf"(?P<y2>{_YEAR}))?(?![\d])"),
        year_before=frozenset(fold(w) for w in lex.year_before),
        months=months,
        day_first=lang != "en",
    )


def find_times(folded: Folded, lang: str, *, year: int, horizon: int) -> list[TimeHit]:
    """Every moment ``folded`` names, in the order found, no two overlapping."""
    pats = patterns(lang)
    lex = lexicon(lang)
    text = folded.text
    hits: list[TimeHit] = []
    taken = Taken()

    def add(match: re.Match[str], when_year: int | None, day: date | None = None) -> None:
        span = Span(match.start(), match.end())
        if not taken.overlaps(span):
            taken.add(span)
            hits.append(TimeHit(span, when_year, day))

    for match in pats.numeric.finditer(text):
        a, b, y = int(match["a"]), int(match["b"]), int(match["y"])
        day = _valid(y, b, a) if pats.day_first else _valid(y, a, b)
        day = day or (_valid(y, a, b) if pats.day_first else _valid(y, b, a))
        if day is not None:
            add(match, y, day)
        else:  # «31/02/2021» is no day: its year alone must not make the pledge time-bound
            taken.add(Span(match.start(), match.end()))
    for match in pats.iso.finditer(text):
        day = _valid(int(match["y"]), int(match["m"]), int(match["d"]))
        if day is not None:
            add(match, day.year, day)
    for match in pats.month_year_numeric.finditer(text):
        if 1 <= int(match["m"]) <= 12:
            y = int(match["y"])
            add(match, y, _month_end(y, int(match["m"])))
    for pattern in (pats.day_month, pats.month_day):
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            month = pats.months[match["m"].rstrip(".")]
            y = int(match["y"]) if match["y"] else year
            day = _valid(y, month, int(match["d"]))
            if day is not None:
                add(match, y, day)
    for match in pats.month_year.finditer(text):
        y, month = int(match["y"]), pats.months[match["m"].rstrip(".")]
        add(match, y, _month_end(y, month))
    for match in pats.bare_month.finditer(text):
        add(match, year, _month_end(year, pats.months[match["m"]]))
    for match in pats.relative.finditer(text):
        add(match, None)
    for match in pats.duration.finditer(text):
        count = match["n"]
        number = int(count) if count.isdigit() else lex.small_numbers.get(count, 1)
        days = number * lex.duration_units.get(match["unit"], 1)
        add(match, None if days <= 366 else year + 1 + (days - 1) // 366)
    for match in pats.year.finditer(text):
        if _is_year(match, text, pats.year_before, lex, year=year, horizon=horizon):
            # a range ("2022-2025") is as late as its last year
            add(match, max(int(match["y"]), int(match["y2"] or 0)))
    hits.sort(key=lambda h: h.span.start)
    return hits


def _is_year(match: re.Match[str], text: str, before: frozenset[str], lex: Lexicon, *,
             year: int, horizon: int) -> bool:
    if match["lead"] or match["y2"]:
        return True
    value = int(match["y"])
    if year - 1 <= value <= horizon:
        return True
    # the word before, from a window: splitting the whole text before each year is quadratic
    previous = text[max(0, match.start() - 40):match.start()].split()
    if previous and previous[-1] in before:
        return True
    after = re.match(r"\s+([a-z][\w'-]*)", text[match.end():])
    # a noun after it makes it a count ("2000 enseignants"); a stopword or nothing leaves a year
    return after is None or len(after[1]) < 3 or after[1] in lex.stopwords


def _valid(y: int, month: int, day: int) -> date | None:
    try:
        return date(y, month, day)
    except ValueError:
        return None


def _month_end(y: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(y, month, calendar.monthrange(y, month)[1])

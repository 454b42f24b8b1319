"""The words the SMART check looks for, one data module per language (fr, en, es).

Each entry is a small regular expression written in plain language, accents included: the check
folds the entries and the pledge the same way (NFKC, case folded, accents dropped, every apostrophe
as ``'``, every dash as ``-``), so «Élaborer», «elaborer» and «ÉLABORER» all match ``élabor``. A
space in an entry matches any run of white space. Verbs are given through the helpers below, which
spell out the forms a pledge uses (infinitive, present, future, participles, gerund): «nous
organiserons» is an action, «organisation» is not. Month names are not here: they come from Babel.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

LANGUAGES = ("fr", "en", "es")


@dataclass(frozen=True)
class Lexicon:
    """One language's words for each SMART signal, and the feedback texts in that language."""

    lang: str
    quotes: tuple[str, str]
    # specific: a concrete action and its object, or a deliverable named
    concrete: tuple[str, ...]
    deliverables: tuple[str, ...]
    vague: tuple[str, ...]  # awareness, intention, support: not an action on their own
    goal_verbs: tuple[str, ...]  # ending child labour itself, the campaign's aim for 2025
    child_labour: tuple[str, ...]
    purpose: tuple[str, ...]  # before a goal, it is the purpose of an action, not the action
    # measurable
    number_words: tuple[str, ...]  # counts spelled out ("deux mille"); never "un", "one", "uno"
    small_numbers: Mapping[str, int]  # for durations ("d'ici six mois")
    placeholders: tuple[str, ...]  # a figure the pledger fills in: "un certain nombre de"
    percent_words: tuple[str, ...]
    factors: tuple[str, ...]  # "doubler", "half"
    not_counts: tuple[str, ...]  # numbers that are not a quantity: "Convention n° 138", ages
    # time-bound
    month_before: tuple[str, ...]  # what makes a bare month a deadline: "d'ici juin", "by June"
    year_before: tuple[str, ...]  # what makes a four-digit number a year: "en 2021"
    relative: tuple[str, ...]  # within the year: "cette année", "d'ici à la fin de l'année"
    duration: str  # "{n} (mois|semaines|jours)"; the groups n and unit
    duration_units: Mapping[str, int]  # the unit's length in days
    # achievable and realistic
    resources: tuple[str, ...]
    universal: tuple[str, ...]  # "partout": no limit to the scope
    scope: tuple[str, ...]  # a scope that fits one year: a pilot, a given region, our own plants
    stopwords: frozenset[str]  # trimmed off the end of a quote; never the noun after a "X"
    currency_words: tuple[str, ...]
    labels: Mapping[str, str]  # each criterion's name
    questions: Mapping[str, str]  # the guide's own questions, {year} filled in
    messages: Mapping[str, str] = field(default_factory=dict)


@cache
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang`` (one of LANGUAGES), imported the first time it is asked for."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    module = importlib.import_module(f"{__name__}.{lang}")
    found: Lexicon = module.LEXICON
    return found


def words(*entries: str) -> tuple[str, ...]:
    """Entries written one per space-separated item, for long lists of single words."""
    return tuple(w for entry in entries for w in entry.split())


# -- verb forms, so that an action in any tense is found and a noun of the same stem is not ----
def fr_er(*stems: str) -> str:
    """A French verb of the first group from its stem: «adopt» finds adopter, adoptons,
    adopterons, adopté(e)s, adoptant, but not adoption."""
    return _alt(stems, "(?:er|erai|eras|era|erons|erez|eront|e|es|ons|ez|ent|ant|ee|ees)")


def fr_ir(*stems: str) -> str:
    """A French verb of the second group from its stem: «établ» finds établir, établissons."""
    return _alt(stems, "(?:ir|irai|ira|irons|iront|is|it|issons|issez|issent|issant|ie|ies)")


def en(*verbs: str) -> str:
    """An English verb with its -s, -ed and -ing forms (organise: organises, organised,
    organising; carry: carries, carried)."""
    forms = []
    for verb in verbs:
        if verb.endswith("e"):
            forms.append(f"{verb[:-1]}(?:e|es|ed|ing)")
        elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
            forms.append(f"{verb[:-1]}(?:y|ies|ied|ying)")
        else:
            forms.append(f"{verb}(?:s|es|ed|ing)?")
    return "(?:" + "|".join(forms) + ")"


def es_ar(*stems: str, participles: bool = True) -> str:
    """A Spanish verb in -ar from its stem: «adopt» finds adoptar, adoptaremos, adoptando,
    adoptarse and, unless ``participles`` is False, adoptado(s), adoptada(s). The present's
    «adopto», «adopta» are left out: too many nouns and adjectives end so («aumento», «pública»,
    «amplia»); so are the participles of an action, used as adjectives («un apartado», «dedicado
    a»)."""
    extra = "|ado|ada|ados|adas" if participles else ""
    return _alt(stems, f"(?:ar|are|ara|aremos|aran|amos|ando{extra})(?:se|nos)?")


def es_er(*stems: str, participles: bool = True) -> str:
    """A Spanish verb in -er or -ir from its stem (both endings): «promov» finds promover,
    promoveremos, promoviendo and, unless ``participles`` is False, promovido(s), promovida(s)."""
    extra = "|ido|ida|idos|idas" if participles else ""
    return _alt(stems, f"(?:er|ir|ere|era|eremos|eran|ire|ira|iremos|iran|emos|imos|iendo{extra})"
                       "(?:se|nos)?")


def _alt(stems: tuple[str, ...], endings: str) -> str:
    return "(?:" + "|".join(stems) + ")" + endings

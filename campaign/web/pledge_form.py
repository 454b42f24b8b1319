"""The public pledge form's side of the web: its fields turned into the library's data, the
library's problems put next to the fields they name, in the request's language, and the
choices its lists offer (stakeholder types, countries, languages, currencies).

The checks themselves are the library's (campaign.pledges.submission, the same as the CLI's);
this module only translates: field names to the form's inputs, sentences to the pledger's
language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaign.pledges.handles import NETWORK_LABELS, PLEDGE_NETWORKS
from campaign.web.forms import Fields
from campaign.web.i18n import gettext as _

# the networks a pledger may give a handle on, and their names: the library's own lists
NETWORKS = PLEDGE_NETWORKS
NETWORK_NAMES = NETWORK_LABELS
INDICATOR_ROWS = 3  # one row to fill, two more for pledges that measure several things
INDICATOR_PARTS = ("name", "unit", "baseline", "target", "deadline")
HONEYPOT = "website"
MAX_VALUE = 5000  # characters kept of one field (the library's longest answer)
_QUOTED = re.compile(r"'([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?)'")


@dataclass(frozen=True)
class Problem:
    """One problem of a submission: the input it belongs to ('' for the whole form) and what to
    do, in the request's language."""

    field: str
    message: str


def form_data(fields: Fields) -> dict[str, Any]:
    """The library's pledge data from the form's inputs: empty optional inputs left out, so
    that a missing answer reads "answer it" rather than "not a number"."""
    def text(name: str) -> str:
        return fields.get(name)[:MAX_VALUE]

    data: dict[str, Any] = {name: text(name) for name in (
        "audience", "name", "country", "language", "title", "implementation", "contribution",
        "communication")}
    data["focal_point"] = {"name": text("focal_name"), "email": text("focal_email")}
    handles = {n: text(f"handle_{n}") for n in NETWORKS if text(f"handle_{n}")}
    if handles:
        data["handles"] = handles
    indicators = []
    for row in range(1, INDICATOR_ROWS + 1):
        values = {part: text(f"ind{row}_{part}") for part in INDICATOR_PARTS}
        if any(values.values()):
            indicators.append({k: v for k, v in values.items() if v or k in ("name", "unit")})
    if indicators:
        data["indicators"] = indicators
    amount, currency = text("cost_amount"), text("cost_currency")
    if amount or currency:
        data["cost"] = {"amount": amount, "currency": currency} if amount else {"currency": currency}
    return data


def input_of(path: str) -> str:
    """The form's input for a field of the library's data (``indicators[2].target`` ->
    ``ind2_target``); '' when the form has none."""
    match = re.fullmatch(r"indicators\[(\d+)\](?:\.([a-z_]+))?", path)
    if match:
        row, part = int(match.group(1)), match.group(2) or "name"
        return f"ind{row}_{part}" if row <= INDICATOR_ROWS and part in INDICATOR_PARTS else ""
    if path.startswith("handles."):
        network = path.removeprefix("handles.")
        return f"handle_{network}" if network in NETWORKS else ""
    named = {"focal_point": "focal_name", "focal_point.name": "focal_name",
             "focal_point.email": "focal_email", "cost": "cost_amount",
             "cost.amount": "cost_amount", "cost.currency": "cost_currency"}
    if path in named:
        return named[path]
    plain = {"audience", "name", "country", "language", "title", "implementation",
             "contribution", "communication"}
    return path if path in plain else ""


def _sentence(problem: str) -> str:
    """The library's sentence in the request's language (its English one when no rule fits)."""
    words = re.search(r"has (\d+) words, over the limit of (\d+)", problem)
    if words:
        return _("%(count)s words, over the limit of %(limit)s: shorten it.",
                 count=words.group(1), limit=words.group(2))
    horizon = re.search(r"after (\d{4}-\d\d-\d\d), the campaign's horizon", problem)
    if horizon:
        return _("This date is after %(day)s, the end of the campaign's horizon: choose a date "
                 "by then.", day=horizon.group(1))
    longest = re.search(r"at most (\d+) characters", problem)
    if longest:
        return _("Shorten it to at most %(limit)s characters.", limit=longest.group(1))
    rules = (
        (r"is required: answer it|is empty: answer it", _("Answer this question.")),
        (r"is not an email address", _("This is not an email address: correct it.")),
        (r"is not a date", _("Write the date as YYYY-MM-DD, e.g. 2021-12-31.")),
        (r"is in the past", _("This date is in the past: choose a later date.")),
        (r"is not a number|is not an amount|too many digits|is below 0",
         _("Write a number in digits, with a “.” before the decimals, e.g. 1500.")),
        (r"currency", _("Choose a currency in use, e.g. EUR, USD or XOF.")),
        (r"stakeholder type", _("Choose a stakeholder type from the list.")),
        (r"'language'", _("Choose a language from the list.")),
        (r"ISO 3166|is a name: write its code", _("Choose a country or region from the list.")),
        (r"one line of text", _("Write it on one line, without control characters.")),
        (r"control character", _("Remove the control characters.")),
        (r"given twice", _("Give each indicator a different name.")),
        (r"greater than|less than", _("This number is out of range.")),
    )
    for pattern, sentence in rules:
        if re.search(pattern, problem):
            return sentence
    return _("Check this answer: %(problem)s", problem=problem)


def problems_of(sentences: Sequence[str]) -> list[Problem]:
    """The library's problems (PledgeInvalid.problems), each with its input and in the
    request's language; one problem per input (the first), in the library's order."""
    found: list[Problem] = []
    seen: set[str] = set()
    for sentence in sentences:
        paths = [input_of(m) for m in _QUOTED.findall(sentence)]
        where = next((p for p in paths if p), "")
        if where and where in seen:
            continue
        seen.add(where)
        found.append(Problem(where, _sentence(sentence)))
    return found


def labels() -> dict[str, str]:
    """Each input's label, in the request's language (the summary of problems links them)."""
    names = {"audience": _("Stakeholder type"), "name": _("Name of your organisation"),
             "country": _("Country or region"), "language": _("Language of the pledge"),
             "focal_name": _("Focal point’s name"), "focal_email": _("Focal point’s email"),
             "title": _("Title of the pledge"),
             "implementation": _("How will it be implemented in 2021?"),
             "contribution": _("How does it contribute to ending child labour by 2025?"),
             "communication": _("How will you communicate about it?"),
             "cost_amount": _("Estimated cost"), "cost_currency": _("Currency")}
    for row in range(1, INDICATOR_ROWS + 1):
        parts = {"name": _("Indicator"), "unit": _("Unit"), "baseline": _("Baseline"),
                 "target": _("Target"), "deadline": _("Deadline")}
        for part, label in parts.items():
            names[f"ind{row}_{part}"] = _("%(part)s (indicator %(row)s)", part=label, row=row)
    for network in NETWORKS:
        names[f"handle_{network}"] = NETWORK_NAMES[network]
    return names


@dataclass(frozen=True)
class Choice:
    """One option of a list: the value sent and the name shown."""

    value: str
    name: str


@dataclass(frozen=True)
class Choices:
    """The form's lists, in one language."""

    audiences: tuple[Choice, ...]
    countries: tuple[Choice, ...]
    regions: tuple[Choice, ...]
    languages: tuple[Choice, ...]
    currencies: tuple[Choice, ...]


def audience_names(schedule: Any, lang: str) -> dict[str, str]:
    """Each stakeholder type's name in ``lang`` (English, then the id, when it has none)."""
    return {a.id: a.name.get(lang) or a.name.get("en") or a.id for a in schedule.audiences}


_CHOICES: dict[tuple[str, int, str], Choices] = {}


def choices(schedule: Any, lang: str) -> Choices:
    """The form's lists in ``lang``, sorted by name as that language sorts them (made once
    per schedule and language: 291 places and 159 currencies)."""
    key = (str(schedule.path), schedule.year, lang)
    if key not in _CHOICES:
        _CHOICES[key] = _choices(schedule, lang)
    return _CHOICES[key]


def _choices(schedule: Any, lang: str) -> Choices:
    from babel import Locale

    from campaign.pledges.form import _territories, country_name, currencies_in_use, currency_name

    def by_name(items: Mapping[str, str]) -> tuple[Choice, ...]:
        import unicodedata

        def key(item: tuple[str, str]) -> str:
            folded = unicodedata.normalize("NFKD", item[1].casefold())
            return "".join(c for c in folded if not unicodedata.combining(c))

        return tuple(Choice(code, name) for code, name in sorted(items.items(), key=key))

    places = {code: country_name(code, lang) for code in _territories()}
    locale = Locale.parse(lang)
    return Choices(
        audiences=tuple(Choice(k, v) for k, v in audience_names(schedule, lang).items()),
        countries=by_name({c: n for c, n in places.items() if not c.isdigit()}),
        regions=by_name({c: n for c, n in places.items() if c.isdigit()}),
        languages=tuple(Choice(code, str(locale.languages.get(code, code)))
                        for code in schedule.campaign.languages),
        currencies=by_name({c: f"{c} · {currency_name(c, lang)}"
                            for c in currencies_in_use(schedule.year - 1)}))


CRITERIA_ORDER = ("specific", "measurable", "achievable", "realistic", "time_bound")


def criterion_names() -> dict[str, str]:
    """The SMART criteria's names in the request's language."""
    return {"specific": _("Specific"), "measurable": _("Measurable"), "achievable": _("Achievable"),
            "realistic": _("Realistic"), "time_bound": _("Time-bound")}


def smart_feedback(fields: Fields, rules: Any, lang: str) -> dict[str, Any]:
    """The SMART check of what the pledger has typed so far, as JSON for the live feedback:
    the whole pledge's check once the form is complete, else the check of its title and
    implementation alone; nothing is stored."""
    from campaign.pledges.form import PledgeInvalid, validate_form
    from campaign.pledges.smart import SMART_LANGUAGES, check_text
    from campaign.pledges.submission import smart_of

    data = form_data(fields)
    language = str(data.get("language") or "").lower()
    language = language if language in SMART_LANGUAGES else lang
    complete = True
    try:
        result: dict[str, Any] = smart_of(validate_form(data, rules), rules)
    except PledgeInvalid:
        complete = False
        text = "\n".join(t for t in (str(data["title"]), str(data["implementation"])) if t)
        if not text.strip():
            return {"complete": False, "criteria": [], "empty": True}
        result = check_text(text, language, year=rules.year).to_json()
    names = criterion_names()
    criteria = [{"name": names[c], "key": c, **result["criteria"][c]} for c in CRITERIA_ORDER]
    return {"complete": complete, "criteria": criteria, "empty": False}

"""The Action Pledge submission form: its fields, their rules, and one sentence per problem.

The guide's form asks four questions (a title of at most 20 words; how the pledge will be
implemented in the campaign's year; how it contributes to ending child labour by 2025, at most
100 words; how it will be communicated), who pledges (a stakeholder type, which is one of the
schedule's audiences, a name, a country or region, a language, a focal point) and the social
handles the secretariat follows. The Amplifier part adds indicators, an estimated cost and the
amplification plan (vertical or horizontal, in four steps, with the cost of scaling to 2025).

Every submission comes from someone else: :func:`validate_form` checks every field at once and
raises :class:`PledgeInvalid` with one sentence per problem, naming the field, what is wrong and
what to do, so a pledger fixes everything in one pass and nothing half-checked is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from campaign.errors import CampaignError
from campaign.pledges.words import CONTRIBUTION_MAX_WORDS, TITLE_MAX_WORDS, count_words
from campaign.text.escape import CONTROL_CHARS

MAX_NAME = 200  # characters of a name, a unit or an indicator's name
MAX_ANSWER = 5000  # characters of one answer; the form's longest limit (100 words) is under 1,000
MAX_ANSWER_WORDS = 600  # words of an answer the form does not limit (implementation, communication)
MAX_INDICATORS = 10
MAX_VALUE = 1e15  # an indicator's baseline, target or reported value
MAX_AMOUNT = Decimal("1e15")
HORIZON_YEARS = 4  # the plan scales to 2025, four years after the 2021 campaign
STRATEGIES = ("vertical", "horizontal")
# the plan's four steps, as the guide names them (Partie 3: Amplifier)
PLAN_STEPS = ("monitoring", "organisation", "dissemination", "resources")

_ONE_LINE_BAD = re.compile(f"[{CONTROL_CHARS}\t\n\r\u2028\u2029]")
_ANSWER_BAD = re.compile(f"[{CONTROL_CHARS}]")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PledgeInvalid(CampaignError):
    """A submission with problems; every problem is one sentence naming its field."""

    def __init__(self, problems: Sequence[str], *, where: str = "pledge") -> None:
        self.problems, self.where = list(problems), where
        if len(self.problems) == 1:
            message = f"{where}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{where}: {len(self.problems)} problems:\n{lines}"
        super().__init__(message)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


OneLine = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Answer = Annotated[str, Field(min_length=1, max_length=MAX_ANSWER)]
# digits bounded: the amount is stored as its decimal text (40 characters at most, which
# PostgreSQL enforces and SQLite does not)
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False, max_digits=24,
                                  decimal_places=6)]


class FocalPoint(_Model):
    """The person the secretariat writes to about the pledge."""

    name: OneLine
    email: Annotated[str, Field(min_length=3, max_length=254)]


class Indicator(_Model):
    """How progress is measured: from ``baseline`` towards ``target`` by ``deadline``."""

    name: OneLine
    unit: Annotated[str, Field(max_length=MAX_NAME)] = ""
    # bounded as a progress value is: beyond, no figure of a pledge is meant
    baseline: float = Field(default=0.0, allow_inf_nan=False, ge=-MAX_VALUE, le=MAX_VALUE)
    target: float = Field(allow_inf_nan=False, ge=-MAX_VALUE, le=MAX_VALUE)
    deadline: date


class Cost(_Model):
    """An estimated cost in one currency (ISO 4217); amounts are never converted."""

    amount: Amount
    currency: str

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class Amplification(_Model):
    """How the pledge will scale up to 2025, the guide's four steps and their estimated cost."""

    strategy: Literal["vertical", "horizontal"] | None = None
    monitoring: Annotated[str, Field(max_length=MAX_ANSWER)] = ""  # suivi et évaluation
    organisation: Annotated[str, Field(max_length=MAX_ANSWER)] = ""  # who is responsible
    dissemination: Annotated[str, Field(max_length=MAX_ANSWER)] = ""  # diffusion et plaidoyer
    resources: Annotated[str, Field(max_length=MAX_ANSWER)] = ""  # mobilisation des ressources
    cost: Cost | None = None  # the estimated cost of scaling up, 2022 to 2025


class PledgeForm(_Model):
    """One Action Pledge as submitted: who pledges, the form's four answers and the plan."""

    audience: Annotated[str, Field(min_length=1, max_length=100)]
    name: OneLine
    # any length here: a name ("Sénégal", "French") gets the sentence of _check_choices, which
    # names the code to write, not pydantic's "at most 3 characters"
    country: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    language: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    focal_point: FocalPoint
    title: Answer
    implementation: Answer
    contribution: Answer
    communication: Answer
    handles: dict[str, Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=dict)
    indicators: tuple[Indicator, ...] = Field(default=(), max_length=MAX_INDICATORS)
    cost: Cost | None = None
    amplification: Amplification | None = None
    submitted_on: date | None = None

    @field_validator("country", mode="before")
    @classmethod
    def _country_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("language", "audience", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def key(self) -> str:
        """What makes two pledges the same one: the organisation and the title, whatever their
        case, spacing or Unicode form."""
        return pledge_key(self.name, self.title)


FIELDS = tuple(PledgeForm.model_fields)


def pledge_key(name: str, title: str) -> str:
    """The duplicate key of an organisation's pledge: ``name`` and ``title`` folded."""
    import unicodedata

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("’", "'").split())

    return f"{fold(name)}\x1f{fold(title)}"


@dataclass(frozen=True)
class FormRules:
    """What a submission is checked against: the schedule's audiences and languages, the
    campaign's year and the day it is checked on (submissions dated later are refused)."""

    audiences: Mapping[str, str]  # audience id -> its kind (regional, country, organisation...)
    languages: tuple[str, ...]
    year: int
    today: date
    audience_names: Mapping[str, str] = field(default_factory=dict)  # id -> English name

    @property
    def horizon(self) -> date:
        """The last day a deadline may fall on: the end of 2025 for the 2021 campaign."""
        return date(self.year + HORIZON_YEARS, 12, 31)

    @property
    def earliest(self) -> date:
        """The first day a pledge may be dated: pledges for a year are collected from the
        year before."""
        return date(self.year - 1, 1, 1)

    @classmethod
    def from_schedule(cls, schedule: Any, *, today: date | None = None) -> FormRules:
        """The rules of a loaded :class:`~campaign.content.schedule.Schedule`."""
        return cls(audiences={a.id: a.kind for a in schedule.audiences},
                   languages=tuple(schedule.campaign.languages), year=schedule.year,
                   today=today or date.today(),
                   audience_names={a.id: a.name.get("en") or a.id for a in schedule.audiences})


@cache
def _territories() -> frozenset[str]:
    from babel import Locale

    # Babel's territories: ISO 3166-1 alpha-2 countries and UN M.49 regions ("419", "002");
    # ZZ (unknown) and the private-use pseudo-territories are no place a pledge covers
    return frozenset(str(code) for code in Locale.parse("en").territories
                     if code not in {"ZZ", "QO", "XA", "XB"})


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    # the ISO 4217 codes Babel knows, without the codes for "no currency" and testing
    return frozenset(code for code in list_currencies() if code not in {"XXX", "XTS"})


@cache
def currencies_in_use(since_year: int) -> frozenset[str]:
    """The ISO 4217 currencies that are legal tender somewhere on a day from 1 January of
    ``since_year`` to today (CLDR's data, through Babel): a 2021 cost in French francs is a
    mistake, one in euros or CFA francs is not."""
    from babel.numbers import UnknownCurrencyError, get_territory_currencies

    found: set[str] = set()
    for territory in _territories():
        try:
            found.update(get_territory_currencies(territory, start_date=date(since_year, 1, 1),
                                                  end_date=date.today(), tender=True))
        except (UnknownCurrencyError, LookupError, ValueError):
            continue
    return frozenset(found & _currencies())


def _fold_name(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _codes_by_name() -> Mapping[str, str]:
    """Each country's or region's name in the campaign's languages (Babel), folded, to its
    code: «Sénégal», «Senegal» -> SN."""
    from babel import Locale

    names: dict[str, str] = {}
    for lang in ("fr", "en", "es"):
        for code, name in Locale.parse(lang).territories.items():
            if str(code) in _territories():
                names.setdefault(_fold_name(str(name)), str(code))
    return names


def _country_problem(text: str) -> str:
    """The sentence for a country that is no code, naming the code when it is a name."""
    code = _codes_by_name().get(_fold_name(text))
    if code:
        return f"'country' {text!r} is a name: write its code, {code}"
    return (f"'country' {text!r} is not an ISO 3166 country or UN M.49 region code: write "
            "e.g. FR, SN, BR, or 002 for Africa, 419 for Latin America")


def country_name(code: str, lang: str) -> str:
    """The country's or region's name in ``lang`` (Babel), the code when it has none."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(lang).territories.get(code, code))
    except (UnknownLocaleError, ValueError):
        return code


def currency_name(code: str, lang: str) -> str:
    """The currency's name in ``lang`` (Babel)."""
    from babel.numbers import get_currency_name

    try:
        return str(get_currency_name(code, locale=lang))
    except (ValueError, LookupError):
        return code


def _field_name(loc: tuple[int | str, ...]) -> str:
    out = ""
    for number, part in enumerate(loc):
        if isinstance(part, int) and number and loc[number - 1] == "indicators":
            out += f"[{part + 1}]"  # an item of the list, counted from 1 as the form counts
        else:  # a field, or a key a YAML file made a number ({amount: 12 500,50} has a key 50)
            out += f".{part}" if out else str(part)
    return out


_NUMBER_HINT = ("in digits, with a '.' before the decimals and no spaces or thousands "
                "separators")


def _describe_value(name: str, kind: str, value: object) -> str | None:
    """The sentence for a value of the wrong kind, naming it and how to write it; None when
    pydantic's own words will do."""
    if kind == "string_type" and isinstance(value, bool):
        # YAML 1.1 reads an unquoted no, yes, on, off as false or true: country: NO is Norway
        return (f"'{name}' was read as {str(value).lower()}: in a YAML file, an unquoted no, "
                "yes, on or off is a truth value; put the text in quotes, e.g. country: \"NO\"")
    if kind == "string_type" and value is None:
        return (f"'{name}' is empty: answer it (in a YAML file, put a text that starts with '#' "
                "in quotes: what follows an unquoted '#' is a comment)")
    if kind == "invalid_key":
        parent = name.rpartition(".")[0] or name
        return (f"'{parent}' has a field named {value!r}: in a YAML {{...}} of fields, a ',' "
                "ends a field, so an amount written 12 500,50 is cut in two; write it 12500.50")
    if kind in {"decimal_parsing", "decimal_type"} and value is not None:
        return f"'{name}' {str(value)!r} is not an amount: write it {_NUMBER_HINT}, e.g. 12500.50"
    if kind in {"float_parsing", "float_type"} and value is not None:
        return f"'{name}' {str(value)!r} is not a number: write it {_NUMBER_HINT}, e.g. 1500"
    return None


def _describe(err: ErrorDetails) -> str:
    name = _field_name(err["loc"])
    kind = err["type"]
    if kind == "missing":
        return f"'{name}' is required: answer it"
    if kind == "extra_forbidden":
        parent = err["loc"][:-1]
        if not parent:
            return f"'{name}' is not a field of the form: use {', '.join(FIELDS)}"
        return f"'{name}' is not a field of '{_field_name(parent)}'"
    if kind in {"string_too_short"} and err.get("input", None) in ("", None):
        return f"'{name}' is empty: answer it"
    if kind == "date_from_datetime_parsing" or kind.startswith("date_"):
        value = err.get("input")
        shown = f" {value!r}" if isinstance(value, str) and value.strip() else ""
        return f"'{name}'{shown} is not a date: write it as YYYY-MM-DD, e.g. 2021-12-31"
    if kind in {"decimal_max_digits", "decimal_max_places", "decimal_whole_digits"}:
        return (f"'{name}' has too many digits: write the amount with at most 24 digits and "
                "6 decimals, e.g. 12500.50")
    described = _describe_value(name, kind, err.get("input"))
    if described:
        return described
    if kind == "literal_error" and name.endswith("strategy"):
        return f"'{name}' must be one of {', '.join(STRATEGIES)}"
    return f"'{name}': {err['msg'][0].lower()}{err['msg'][1:]}"


def _words_over(name: str, text: str, limit: int) -> str | None:
    count = count_words(text)
    if count > limit:
        return (f"'{name}' has {count} words, over the limit of {limit}: shorten it to "
                f"{limit} words or fewer")
    return None


def _check_email(address: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        # syntax only: whether the domain receives mail is the network's business, and a
        # check here would make storing a pledge depend on DNS
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"'focal_point.email' {address!r} is not an email address ({exc}): correct it"
    return None


def _check_text_fields(form: PledgeForm) -> list[str]:
    problems: list[str] = []
    for name in ("name", "title"):
        if _ONE_LINE_BAD.search(getattr(form, name)):
            problems.append(f"'{name}' must be one line of text, without control characters")
    for name in ("implementation", "contribution", "communication"):
        if _ANSWER_BAD.search(getattr(form, name)):
            problems.append(f"'{name}' has control characters: remove them")
    for name, text, limit in (("title", form.title, TITLE_MAX_WORDS),
                              ("contribution", form.contribution, CONTRIBUTION_MAX_WORDS),
                              ("implementation", form.implementation, MAX_ANSWER_WORDS),
                              ("communication", form.communication, MAX_ANSWER_WORDS)):
        problem = _words_over(name, text, limit)
        if problem:
            problems.append(problem)
    return problems


def _check_choices(form: PledgeForm, rules: FormRules) -> list[str]:
    problems: list[str] = []
    if form.audience not in rules.audiences:
        problems.append(f"unknown stakeholder type 'audience' {form.audience!r}: choose one of "
                        f"{', '.join(sorted(rules.audiences))}")
    if form.language not in rules.languages:
        problems.append(f"'language' {form.language!r} is not one of the campaign's: choose one "
                        f"of {', '.join(rules.languages)}")
    if form.country not in _territories():
        problems.append(_country_problem(form.country))
    for where, cost in (("cost", form.cost),
                        ("amplification.cost", form.amplification and form.amplification.cost)):
        if cost and (not _CURRENCY.match(cost.currency) or cost.currency not in _currencies()):
            problems.append(f"'{where}.currency' {cost.currency!r} is not an ISO 4217 currency "
                            "code: write e.g. EUR, USD, XOF")
        elif cost and cost.currency not in currencies_in_use(rules.year - 1):
            problems.append(f"'{where}.currency' {cost.currency!r} is no longer in use: give the "
                            f"cost in a currency of {rules.year}, e.g. EUR, USD, XOF")
    return problems


def _check_dates(form: PledgeForm, rules: FormRules) -> tuple[list[str], date]:
    problems: list[str] = []
    submitted = form.submitted_on or rules.today
    if form.submitted_on is not None and not rules.earliest <= form.submitted_on <= rules.today:
        problems.append(f"'submitted_on' {form.submitted_on} is outside {rules.earliest} to "
                        f"{rules.today} (today): give the day the pledge was submitted")
    names: set[str] = set()
    for number, indicator in enumerate(form.indicators, 1):
        where = f"indicators[{number}]"
        folded = indicator.name.casefold()
        if folded in names:
            problems.append(f"'{where}.name' {indicator.name!r} is given twice: name each "
                            "indicator once")
        names.add(folded)
        if indicator.deadline > rules.horizon:
            problems.append(f"'{where}.deadline' {indicator.deadline} is after "
                            f"{rules.horizon}, the campaign's horizon: choose a date by then")
        elif indicator.deadline < submitted:
            hint = ("" if form.submitted_on else
                    "; to record a pledge made earlier, give its 'submitted_on' date")
            problems.append(f"'{where}.deadline' {indicator.deadline} is in the past (before "
                            f"{submitted}): choose a later date{hint}")
    return problems, submitted


def _check_handles(form: PledgeForm) -> tuple[list[str], dict[str, str]]:
    if not form.handles:
        return [], {}
    from campaign.pledges.handles import check_pledge_handle

    problems: list[str] = []
    handles: dict[str, str] = {}
    for network, handle in form.handles.items():
        try:
            handles[network.strip().lower()] = check_pledge_handle(network.strip().lower(), handle)
        except CampaignError as exc:
            problems.append(f"'handles.{network}': {exc.message}")
    return problems, handles


def validate_form(data: Mapping[str, object], rules: FormRules, *,
                  where: str = "pledge") -> PledgeForm:
    """The checked pledge, normalised (handles in their stored form, the submission date set);
    PledgeInvalid with every problem found, each naming its field."""
    if not isinstance(data, Mapping):
        raise PledgeInvalid(["is not a mapping of the form's fields: give "
                             f"{', '.join(FIELDS[:4])}, ..."], where=where)
    try:
        form = PledgeForm.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        failed = {_field_name(e["loc"][:1]) for e in errors}
        raise PledgeInvalid([_describe(e) for e in errors]
                            + _other_problems(data, rules, failed), where=where) from None
    problems = _check_text_fields(form) + _check_choices(form, rules)
    email_problem = _check_email(form.focal_point.email)
    if email_problem:
        problems.append(email_problem)
    date_problems, submitted = _check_dates(form, rules)
    handle_problems, handles = _check_handles(form)
    problems += date_problems + handle_problems
    if problems:
        raise PledgeInvalid(problems, where=where)
    return form.model_copy(update={"handles": handles, "submitted_on": submitted})


def _other_problems(data: Mapping[str, object], rules: FormRules,
                    failed: set[str]) -> list[str]:
    """When some fields are of the wrong kind, the problems of the other answers, each checked
    alone as a prompt checks it, so that every problem is still reported at once."""
    problems: list[str] = []
    for name in ("audience", "name", "country", "language", "title", "implementation",
                 "contribution", "communication"):
        value = data.get(name)
        if name in failed or not isinstance(value, str) or not value.strip():
            continue
        if name in {"name", "title"} and _ONE_LINE_BAD.search(value):
            problems.append(f"'{name}' must be one line of text, without control characters")
        problem = answer_problem(name, value, rules)
        if problem:
            problems.append(problem)
    focal = data.get("focal_point")
    if "focal_point" not in failed and isinstance(focal, Mapping) \
            and isinstance(focal.get("email"), str):
        problem = _check_email(str(focal["email"]).strip())
        if problem:
            problems.append(problem)
    handles = data.get("handles")
    if "handles" not in failed and isinstance(handles, Mapping):
        for network, handle in handles.items():
            problem = answer_problem(f"handles.{network}", str(handle), rules)
            if problem:
                problems.append(f"'handles.{network}': {problem}")
    indicators = data.get("indicators")
    if "indicators" not in failed and isinstance(indicators, Sequence) \
            and not isinstance(indicators, str):
        for number, indicator in enumerate(indicators, 1):
            deadline = indicator.get("deadline") if isinstance(indicator, Mapping) else None
            if isinstance(deadline, str | date):
                problem = _deadline_problem(f"indicators[{number}].deadline", str(deadline),
                                            rules, since=False)
                if problem:
                    problems.append(problem)
    return problems


def answer_problem(name: str, value: str, rules: FormRules) -> str | None:
    """What is wrong with one answer of the form, checked as it is typed (the prompts of
    ``pledge add`` and the web form's live feedback); None when it is fine. The whole form is
    checked again by :func:`validate_form` before anything is stored."""
    text = value.strip()
    required = {"audience", "name", "country", "language", "focal_point.name",
                "focal_point.email", "title", "implementation", "contribution", "communication"}
    if not text:
        return f"'{name}' is empty: answer it" if name in required else None
    limits = {"title": TITLE_MAX_WORDS, "contribution": CONTRIBUTION_MAX_WORDS,
              "implementation": MAX_ANSWER_WORDS, "communication": MAX_ANSWER_WORDS}
    if name in limits:
        return _words_over(name, text, limits[name])
    if name == "focal_point.email":
        return _check_email(text)
    if name == "audience" and text.lower() not in rules.audiences:
        return (f"unknown stakeholder type {text!r}: choose one of "
                f"{', '.join(sorted(rules.audiences))}")
    if name == "language" and text.lower() not in rules.languages:
        return f"'language' {text!r} is not one of the campaign's: choose one of " + ", ".join(
            rules.languages)
    if name == "country" and text.upper() not in _territories():
        return _country_problem(text)
    if name.endswith("amount"):
        return _amount_problem(name, text)
    if name.endswith("deadline"):
        return _deadline_problem(name, text, rules)
    if name.endswith("currency") and text.upper() not in currencies_in_use(rules.year - 1):
        return f"'{name}' {text!r} is not an ISO 4217 currency code: write e.g. EUR, USD, XOF"
    if name.startswith("handles."):
        from campaign.pledges.handles import check_pledge_handle

        try:
            check_pledge_handle(name.removeprefix("handles."), text)
        except CampaignError as exc:
            return exc.message
    return None


def _amount_problem(name: str, text: str) -> str | None:
    """An amount typed at a prompt, checked as the form will check it."""
    from decimal import InvalidOperation

    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        return f"'{name}' {text!r} is not an amount: write it {_NUMBER_HINT}, e.g. 12500.50"
    if amount < 0:
        return f"'{name}' {text!r} is below 0: give the estimated cost"
    return None


def _deadline_problem(name: str, text: str, rules: FormRules, *,
                      since: bool = True) -> str | None:
    """An indicator's deadline typed at a prompt (the pledge is submitted today: ``since``)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return f"'{name}' {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2021-12-31"
    if day > rules.horizon:
        return (f"'{name}' {day} is after {rules.horizon}, the campaign's horizon: choose a date "
                "by then")
    if since and day < rules.today:
        return f"'{name}' {day} is in the past (before {rules.today}): choose a later date"
    return None

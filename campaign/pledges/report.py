"""The report for Amplifier: pledges by stakeholder type, region and status, indicators on
track, and estimated costs per currency.

Regions are the five UN M.49 regions (Africa 002, Americas 019, Asia 142, Europe 150, Oceania
009). Babel 2.x ships CLDR's territory names but not its territory containment, so which region
holds which country is the small table below, taken from CLDR's ``territoryContainment``
(cldr-json 49, UN M.49); its names are Babel's, in the report's language. A pledge made for a
region rather than a country (``002``, ``419`` Latin America, ``EU``) counts under the region
that holds it; ``001`` (World) and ``UN`` count as World.

Costs are added per currency and never converted, unless rates are given (:func:`load_rates`):
then each currency with a rate is also given in the base currency, and those without one are
named, not guessed. Drafts and withdrawn pledges are counted by status, but not in the costs.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from campaign.errors import CampaignError
from campaign.pledges.form import country_name, currency_name
from campaign.pledges.models import ACTIVE, PLEDGE_STATUSES, PledgeStatus
from campaign.pledges.progress import LIGHTS, SILENT_AFTER, count_lights, pledge_light
from campaign.pledges.store import Pledge, PledgeStore

REPORT_LANGUAGES = ("en", "fr", "es")
WORLD = "001"
CENT = Decimal("0.01")
# UN M.49 region -> the countries and territories it holds (CLDR territoryContainment, its
# sub-regions flattened); Babel names every code here
M49: Mapping[str, str] = {
    "002": "DZ EG EH LY MA SD TN EA IC BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG "
           "AO CD CF CG CM GA GQ ST TD BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ "
           "UG YT ZM ZW BW LS NA SZ ZA",
    "019": "BM CA GL PM US BZ CR GT HN MX NI PA SV AG AI AW BB BL BQ BS CU CW DM DO GD GP HT "
           "JM KN KY LC MF MQ MS PR SX TC TT VC VG VI AR BO BR BV CL CO EC FK GF GS GY PE PY "
           "SR UY VE",
    "142": "TM TJ KG KZ UZ AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE CN HK JP KP "
           "KR MN MO TW AF BD BT IN IR LK MV NP PK BN ID KH LA MM MY PH SG TH TL VN",
    "150": "BG BY CZ HU MD PL RO RU SK UA GG IM JE AX DK EE FI FO GB IE IS LT LV NO SE SJ CQ "
           "AT BE CH DE FR LI LU MC NL AD AL BA ES GI GR HR IT ME MK MT RS PT SI SM VA XK",
    "009": "AU CC CX HM NF NZ FJ NC PG SB VU FM GU KI MH MP NR PW UM AS CK NU PF PN TK TO TV "
           "WF WS AQ AC CP DG TA",
}
# sub-regions and groupings a pledge may name instead of a country -> the region holding them
M49_AREAS: Mapping[str, str] = {
    **{code: "002" for code in ("002", "011", "014", "015", "017", "018", "202")},
    **{code: "019" for code in ("019", "003", "005", "013", "021", "029", "419")},
    **{code: "142" for code in ("142", "030", "034", "035", "143", "145")},
    **{code: "150" for code in ("150", "039", "151", "154", "155", "EU", "EZ")},
    **{code: "009" for code in ("009", "053", "054", "057", "061", "QO")},
    WORLD: WORLD, "UN": WORLD,
}
REGIONS = ("002", "019", "142", "150", "009", WORLD)


class RatesInvalid(CampaignError):
    """A rates file that cannot be used: one sentence naming the file and what to fix."""


@dataclass(frozen=True)
class Rates:
    """Exchange rates: ``rates[C]`` is the price of one unit of C in ``base`` (EUR 1.21 with
    base USD: one euro is 1.21 dollars)."""

    base: str
    rates: Mapping[str, Decimal]

    def to_base(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` of ``currency`` in the base currency, to the cent, None without a rate."""
        rate = Decimal(1) if currency == self.base else self.rates.get(currency)
        # a converted cost is an estimate: cents are enough, and keep totals readable
        return None if rate is None else (amount * rate).quantize(CENT)


@dataclass(frozen=True)
class AudienceRow:
    """The pledges of one stakeholder type: how many per status, their costs per currency."""

    audience: str
    name: str
    kind: str
    statuses: Mapping[str, int]
    total: int
    costs: Mapping[str, Decimal]  # currency -> the 2021 estimated costs
    scaling: Mapping[str, Decimal]  # currency -> the 2022-2025 amplification costs


@dataclass(frozen=True)
class RegionRow:
    """The pledges of one UN M.49 region, and of each of its countries."""

    region: str
    name: str
    total: int
    countries: Mapping[str, int]  # code -> pledges
    country_names: Mapping[str, str]


@dataclass(frozen=True)
class CostRow:
    """One currency: its total, its name, and the total in the base currency when rated."""

    currency: str
    name: str
    costs: Decimal
    scaling: Decimal
    pledges: int
    in_base: Decimal | None = None  # costs + scaling in Rates.base


@dataclass(frozen=True)
class Report:
    """The Amplifier report on one day, in one language."""

    day: date
    lang: str
    total: int
    statuses: Mapping[str, int]
    audiences: tuple[AudienceRow, ...]
    regions: tuple[RegionRow, ...]
    indicators: Mapping[str, int]  # light -> indicators of active pledges
    pledge_lights: Mapping[str, int]  # light -> active pledges
    costs: tuple[CostRow, ...]
    base: str | None = None
    total_in_base: Decimal | None = None
    unconverted: tuple[str, ...] = ()  # currencies without a rate
    silent_after: int = SILENT_AFTER
    region_names: Mapping[str, str] = field(default_factory=dict)


@cache
def _country_regions() -> dict[str, str]:
    return {code: region for region, codes in M49.items() for code in codes.split()}


def region_of(code: str) -> str:
    """The UN M.49 region (002, 019, 142, 150, 009) of a country or area code; World (001) for
    a code no region holds."""
    code = code.strip().upper()
    return _country_regions().get(code) or M49_AREAS.get(code, WORLD)


def _costed(pledge: Pledge) -> bool:
    return pledge.status not in (PledgeStatus.DRAFT, PledgeStatus.WITHDRAWN)


def build_report(pledges: Sequence[Pledge], *, day: date, lang: str = "en",
                 audience_names: Mapping[str, str] | None = None,
                 audience_kinds: Mapping[str, str] | None = None,
                 rates: Rates | None = None, silent_after: int = SILENT_AFTER) -> Report:
    """The report of these pledges on ``day``, names in ``lang`` (en, fr, es)."""
    if lang not in REPORT_LANGUAGES:
        raise CampaignError(f"--lang {lang!r} is not a report language: choose one of "
                            f"{', '.join(REPORT_LANGUAGES)}")
    names, kinds = dict(audience_names or {}), dict(audience_kinds or {})
    by_audience: dict[str, list[Pledge]] = defaultdict(list)
    for pledge in pledges:
        by_audience[pledge.form.audience].append(pledge)
    audiences = tuple(_audience_row(a, by_audience[a], names.get(a, a), kinds.get(a, ""))
                      for a in _audience_order(by_audience, names))
    regions = _regions(pledges, lang)
    active = [p for p in pledges if p.status in ACTIVE]
    lights = [pledge_light(p, day, silent_after=silent_after) for p in active]
    costs, total_in_base, unconverted = _costs(pledges, lang, rates)
    return Report(day=day, lang=lang, total=len(pledges),
                  statuses={s: sum(p.status.value == s for p in pledges)
                            for s in PLEDGE_STATUSES},
                  audiences=audiences, regions=regions,
                  indicators=count_lights(i.light for lt in lights for i in lt.indicators),
                  pledge_lights=count_lights(lt.light for lt in lights), costs=costs,
                  base=rates.base if rates else None, total_in_base=total_in_base,
                  unconverted=unconverted, silent_after=silent_after,
                  region_names={r: country_name(r, lang) for r in REGIONS})


def _audience_order(found: Mapping[str, object], names: Mapping[str, str]) -> list[str]:
    # the schedule's order first (it follows the guide), then any audience it no longer has
    return [a for a in names if a in found] + sorted(a for a in found if a not in names)


def _audience_row(audience: str, pledges: Sequence[Pledge], name: str, kind: str) -> AudienceRow:
    statuses = {s: sum(p.status.value == s for p in pledges) for s in PLEDGE_STATUSES}
    costs: dict[str, Decimal] = defaultdict(Decimal)
    scaling: dict[str, Decimal] = defaultdict(Decimal)
    for pledge in pledges:
        if not _costed(pledge):
            continue
        if pledge.form.cost:
            costs[pledge.form.cost.currency] += Decimal(pledge.form.cost.amount)
        plan = pledge.form.amplification
        if plan and plan.cost:
            scaling[plan.cost.currency] += Decimal(plan.cost.amount)
    return AudienceRow(audience=audience, name=name, kind=kind or (pledges[0].kind if pledges
                                                                   else ""),
                       statuses=statuses, total=len(pledges), costs=dict(sorted(costs.items())),
                       scaling=dict(sorted(scaling.items())))


def _regions(pledges: Iterable[Pledge], lang: str) -> tuple[RegionRow, ...]:
    countries: dict[str, Counter[str]] = defaultdict(Counter)
    for pledge in pledges:
        countries[region_of(pledge.form.country)][pledge.form.country] += 1
    rows = []
    for region in REGIONS:
        if region not in countries:
            continue
        found = countries[region]
        rows.append(RegionRow(region=region, name=country_name(region, lang),
                              total=sum(found.values()),
                              countries=dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))),
                              country_names={c: country_name(c, lang) for c in found}))
    return tuple(rows)


def _costs(pledges: Iterable[Pledge], lang: str, rates: Rates | None,
           ) -> tuple[tuple[CostRow, ...], Decimal | None, tuple[str, ...]]:
    costs: dict[str, Decimal] = defaultdict(Decimal)
    scaling: dict[str, Decimal] = defaultdict(Decimal)
    counted: dict[str, set[int]] = defaultdict(set)
    for pledge in pledges:
        if not _costed(pledge):
            continue
        if pledge.form.cost:
            costs[pledge.form.cost.currency] += Decimal(pledge.form.cost.amount)
            counted[pledge.form.cost.currency].add(pledge.id)
        plan = pledge.form.amplification
        if plan and plan.cost:
            scaling[plan.cost.currency] += Decimal(plan.cost.amount)
            counted[plan.cost.currency].add(pledge.id)
    rows = []
    for currency in sorted(counted):
        whole = costs[currency] + scaling[currency]
        rows.append(CostRow(currency=currency, name=currency_name(currency, lang),
                            costs=costs[currency], scaling=scaling[currency],
                            pledges=len(counted[currency]),
                            in_base=rates.to_base(whole, currency) if rates else None))
    if rates is None:
        return tuple(rows), None, ()
    unconverted = tuple(r.currency for r in rows if r.in_base is None)
    total = sum((r.in_base for r in rows if r.in_base is not None), Decimal(0))
    return tuple(rows), total, unconverted


def pledge_report(store: PledgeStore, schedule: Any, *, day: date, lang: str = "en",
                  rates: Rates | None = None, silent_after: int = SILENT_AFTER) -> Report:
    """The report of every stored pledge on ``day``, with the stakeholder types of the loaded
    :class:`~campaign.content.schedule.Schedule` named in ``lang``."""
    names = {a.id: a.name.get(lang) or a.name.get("en") or a.id for a in schedule.audiences}
    kinds = {a.id: a.kind for a in schedule.audiences}
    return build_report(store.pledges(), day=day, lang=lang, audience_names=names,
                        audience_kinds=kinds, rates=rates, silent_after=silent_after)


# -- exchange rates -----------------------------------------------------------------------------
def load_rates(path: Path) -> Rates:
    """Rates from a small YAML or JSON file ``{"base": "USD", "rates": {"EUR": 1.21}}``,
    checked strictly; RatesInvalid naming the file and the field otherwise."""
    from campaign.pledges.form import _currencies

    data = _parse(Path(path))
    if not isinstance(data, Mapping) or set(data) != {"base", "rates"}:
        raise RatesInvalid(f"{path}: must hold exactly 'base' and 'rates', e.g. "
                           '{"base": "USD", "rates": {"EUR": 1.21}}')
    known = _currencies()
    base = data["base"]
    if not isinstance(base, str) or base not in known:
        raise RatesInvalid(f"{path}: 'base' {base!r} is not an ISO 4217 currency code: write "
                           "e.g. USD")
    if not isinstance(data["rates"], Mapping) or not data["rates"]:
        raise RatesInvalid(f"{path}: 'rates' must map currency codes to numbers, e.g. "
                           "{EUR: 1.21}")
    rates: dict[str, Decimal] = {}
    for code, value in data["rates"].items():
        if not isinstance(code, str) or code not in known:
            raise RatesInvalid(f"{path}: 'rates.{code}' is not an ISO 4217 currency code: "
                               "write e.g. EUR")
        rate = _rate(value)
        if rate is None:
            raise RatesInvalid(f"{path}: 'rates.{code}' {value!r} is not a positive number: "
                               f"give the price of one {code} in {base}")
        rates[code] = rate
    if base in rates and rates[base] != 1:
        raise RatesInvalid(f"{path}: 'rates.{base}' is the base currency, so its rate must be "
                           "1: remove it")
    return Rates(base=base, rates=rates)


def _parse(path: Path) -> Any:
    # the file comes from someone else: read it bounded (a regular file within the size limit
    # of every file from others, never a pipe or a device), YAML without aliases, not too deep
    from campaign.content.yamlsource import load_yaml, read_text
    from campaign.errors import ScheduleError

    try:
        if path.suffix.lower() != ".json":
            return load_yaml(path).data
        text = read_text(path)
    except ScheduleError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise RatesInvalid(f"{path}: {where}{exc.problem}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RatesInvalid(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError):
        # an integer of more than 4,300 digits, or arrays nested thousands deep
        raise RatesInvalid(f"{path}: holds a number too long or a nesting too deep for rates: "
                           'give e.g. {"base": "USD", "rates": {"EUR": 1.21}}') from None


def _rate(value: object) -> Decimal | None:
    # YAML reads "1.21" as a float and "1,21" as text: only real numbers pass, never a bool
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and 0 < rate < Decimal("1e9") else None


# -- plain data ---------------------------------------------------------------------------------
def _amounts(values: Mapping[str, Decimal]) -> dict[str, str]:
    return {c: str(v) for c, v in values.items()}


def report_record(report: Report) -> dict[str, Any]:
    """The report as plain data (amounts as decimal text, so no cent is rounded away)."""
    return {
        "day": report.day.isoformat(), "lang": report.lang, "total": report.total,
        "statuses": dict(report.statuses),
        "audiences": [{"audience": a.audience, "name": a.name, "kind": a.kind, "total": a.total,
                       "statuses": dict(a.statuses), "costs": _amounts(a.costs),
                       "scaling": _amounts(a.scaling)} for a in report.audiences],
        "regions": [{"region": r.region, "name": r.name, "total": r.total,
                     "countries": [{"country": c, "name": r.country_names[c], "pledges": n}
                                   for c, n in r.countries.items()]} for r in report.regions],
        "indicators": dict(report.indicators), "pledges_by_light": dict(report.pledge_lights),
        "silent_after": report.silent_after,
        "costs": [{"currency": c.currency, "name": c.name, "costs": str(c.costs),
                   "scaling": str(c.scaling), "pledges": c.pledges,
                   "in_base": None if c.in_base is None else str(c.in_base)}
                  for c in report.costs],
        "base": report.base,
        "total_in_base": None if report.total_in_base is None else str(report.total_in_base),
        "unconverted": list(report.unconverted),
    }


REPORT_CSV_HEADER = ("table", "key", "name", "measure", "value")


def report_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """The report as long-format rows (table, key, name, measure, value) for a spreadsheet."""
    rows: list[tuple[str, str, str, str, str]] = []
    for status, count in report.statuses.items():
        rows.append(("status", status, status, "pledges", str(count)))
    for a in report.audiences:
        rows.append(("audience", a.audience, a.name, "pledges", str(a.total)))
        rows.extend(("audience", a.audience, a.name, s, str(n)) for s, n in a.statuses.items())
        rows.extend(("audience", a.audience, a.name, f"cost {c}", str(v))
                    for c, v in a.costs.items())
        rows.extend(("audience", a.audience, a.name, f"scaling {c}", str(v))
                    for c, v in a.scaling.items())
    for r in report.regions:
        rows.append(("region", r.region, r.name, "pledges", str(r.total)))
        rows.extend(("country", c, r.country_names[c], "pledges", str(n))
                    for c, n in r.countries.items())
    for light in LIGHTS:
        rows.append(("indicators", light, light.replace("_", " "), "indicators",
                     str(report.indicators.get(light, 0))))
    for c in report.costs:
        rows.append(("cost", c.currency, c.name, "costs", str(c.costs)))
        rows.append(("cost", c.currency, c.name, "scaling", str(c.scaling)))
        rows.append(("cost", c.currency, c.name, "pledges", str(c.pledges)))
        if c.in_base is not None and report.base:
            rows.append(("cost", c.currency, c.name, f"in {report.base}", str(c.in_base)))
    if report.base and report.total_in_base is not None:
        rows.append(("cost", report.base, "total", f"in {report.base}", str(report.total_in_base)))
    return rows

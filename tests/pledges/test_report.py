"""The Amplifier report: counts by stakeholder type, region and status, indicator lights, costs
per currency, exchange rates checked strictly, names localised by Babel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from campaign.pledges.models import PledgeStatus
from campaign.pledges.report import (
    M49,
    RatesInvalid,
    build_report,
    load_rates,
    pledge_report,
    region_of,
    report_record,
    report_rows,
)
from campaign.pledges.store import Pledge, PledgeStore
from tests.pledges.test_progress import AUDIENCES, RULES, new_pledge, pledge

DAY = date(2021, 7, 1)


@pytest.mark.parametrize(("code", "region"), [
    pytest.param("SN", "002", id="senegal-africa"),
    pytest.param("ci", "002", id="lower-case-africa"),
    pytest.param("BR", "019", id="brazil-americas"),
    pytest.param("US", "019", id="united-states-americas"),
    pytest.param("TR", "142", id="turkey-asia"),
    pytest.param("FR", "150", id="france-europe"),
    pytest.param("RU", "150", id="russia-europe"),
    pytest.param("FJ", "009", id="fiji-oceania"),
    pytest.param("419", "019", id="latin-america-grouping-americas"),
    pytest.param("014", "002", id="eastern-africa-subregion-africa"),
    pytest.param("EU", "150", id="european-union-europe"),
    pytest.param("002", "002", id="a-region-is-its-own"),
    pytest.param("001", "001", id="world"),
])
def test_region_of(code: str, region: str) -> None:
    assert region_of(code) == region


def test_every_country_babel_knows_has_one_region() -> None:
    from babel import Locale

    codes = [c for regions in M49.values() for c in regions.split()]
    assert len(codes) == len(set(codes))
    countries = {c for c in Locale.parse("en").territories if c.isalpha() and len(c) == 2}
    # Babel's pseudo-territories and groupings belong to no region
    missing = countries - set(codes) - {"ZZ", "QO", "XA", "XB", "EU", "EZ", "UN"}
    assert missing == set()


def _pledges() -> list[Any]:
    return [
        pledge([(date(2021, 6, 20), 50)], pledge_id=1),
        pledge([(date(2021, 6, 20), 10)], pledge_id=2, country="CI",
               cost={"amount": "1000.50", "currency": "XOF"}),
        pledge(indicators=0, pledge_id=3, audience="country", name="Chile", country="CL",
               language="es", cost={"amount": "50000", "currency": "EUR"},
               amplification={"strategy": "vertical",
                              "cost": {"amount": "200000", "currency": "USD"}}),
    ]


def test_report_counts_types_regions_statuses_and_lights() -> None:
    report = build_report(_pledges(), day=DAY, audience_names=RULES.audience_names,
                          audience_kinds=AUDIENCES)
    assert report.total == 3
    assert report.statuses == {"draft": 0, "submitted": 3, "accepted": 0, "withdrawn": 0,
                               "fulfilled": 0}
    assert [(a.audience, a.name, a.kind, a.total) for a in report.audiences] == [
        ("org-civil-society", "Civil society organisation", "organisation", 2),
        ("country", "Country", "country", 1)]
    assert [(r.region, r.name, r.total, dict(r.countries)) for r in report.regions] == [
        ("002", "Africa", 2, {"CI": 1, "SN": 1}), ("019", "Americas", 1, {"CL": 1})]
    assert report.regions[0].country_names == {"CI": "Côte d’Ivoire", "SN": "Senegal"}
    assert report.indicators["on_track"] == 1 and report.indicators["behind"] == 1
    assert report.pledge_lights["unknown"] == 1


def test_costs_are_added_per_currency_and_never_converted() -> None:
    report = build_report(_pledges(), day=DAY, audience_names=RULES.audience_names)
    assert [(c.currency, c.costs, c.scaling, c.pledges, c.in_base) for c in report.costs] == [
        ("EUR", Decimal("50000"), Decimal("0"), 1, None),
        ("USD", Decimal("0"), Decimal("200000"), 1, None),
        ("XOF", Decimal("26000.50"), Decimal("0"), 2, None)]
    civil = report.audiences[0]
    assert civil.costs == {"XOF": Decimal("26000.50")}
    assert report.total_in_base is None and report.base is None
    assert report_record(report)["costs"][2]["costs"] == "26000.50"


def test_drafts_and_withdrawn_pledges_count_by_status_not_in_costs() -> None:
    form = pledge(title="Un brouillon pour 2021").form
    gone = [Pledge(id=4, form=form, status=PledgeStatus.WITHDRAWN, kind="organisation"),
            Pledge(id=5, form=form, status=PledgeStatus.DRAFT, kind="organisation")]
    report = build_report(gone, day=DAY)
    assert report.statuses["draft"] == 1
    assert report.statuses["withdrawn"] == 1
    assert report.costs == ()


@pytest.mark.parametrize(("lang", "africa", "senegal", "franc"), [
    pytest.param("en", "Africa", "Senegal", "West African CFA Franc", id="en"),
    pytest.param("fr", "Afrique", "Sénégal", "franc CFA (BCEAO)", id="fr"),
    pytest.param("es", "África", "Senegal", "franco CFA de África Occidental", id="es"),
])
def test_names_are_localised(lang: str, africa: str, senegal: str, franc: str) -> None:
    report = build_report([pledge()], day=DAY, lang=lang)
    assert report.regions[0].name == africa
    assert report.regions[0].country_names["SN"] == senegal
    assert report.costs[0].name == franc


def test_an_unknown_report_language_names_the_choices() -> None:
    with pytest.raises(Exception, match="choose one of en, fr, es"):
        build_report([], day=DAY, lang="de")


# -- exchange rates ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "text"), [
    pytest.param("rates.json", '{"base": "USD", "rates": {"EUR": 1.21, "XOF": "0.0018"}}',
                 id="json"),
    pytest.param("rates.yaml", "base: USD\nrates:\n  EUR: 1.21\n  XOF: 0.0018\n", id="yaml"),
])
def test_rates_convert_what_they_rate_and_name_the_rest(tmp_path: Path, name: str,
                                                        text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    rates = load_rates(path)
    assert rates.rates == {"EUR": Decimal("1.21"), "XOF": Decimal("0.0018")}
    pledges = [*_pledges(), pledge(pledge_id=5, title="Former 40 inspecteurs en 2021",
                                   cost={"amount": "10", "currency": "GBP"})]
    report = build_report(pledges, day=DAY, rates=rates)
    by = {c.currency: c.in_base for c in report.costs}
    assert by == {"EUR": Decimal("60500.00"), "GBP": None, "USD": Decimal("200000.00"),
                  "XOF": Decimal("46.80")}
    assert str(report.total_in_base) == "260546.80"
    assert report.unconverted == ("GBP",)
    assert ("cost", "USD", "total", "in USD", "260546.80") in report_rows(report)


@pytest.mark.parametrize(("name", "text", "message"), [
    pytest.param("r.json", "{", "line 1: not valid JSON", id="bad-json"),
    pytest.param("r.yaml", "base: [", "invalid YAML syntax", id="bad-yaml"),
    pytest.param("r.yaml", "a: &a [1]\nb: *a\n", "line 2: YAML aliases (*name) are not "
                 "accepted", id="yaml-alias"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EUR": 1' + "0" * 5000 + "}}",
                 "a number too long or a nesting too deep", id="json-number-of-5000-digits"),
    pytest.param("r.json", "[" * 50_000, "a number too long or a nesting too deep",
                 id="json-nested-50000-deep"),
    pytest.param("r.json", '{"base": "USD"}', "must hold exactly 'base' and 'rates'",
                 id="no-rates"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EUR": 1}, "date": "2021-01-01"}',
                 "must hold exactly 'base' and 'rates'", id="extra-key"),
    pytest.param("r.json", '{"base": "DOLLAR", "rates": {"EUR": 1}}',
                 "'base' 'DOLLAR' is not an ISO 4217 currency code", id="bad-base"),
    pytest.param("r.json", '{"base": "USD", "rates": {}}', "'rates' must map", id="empty"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EURO": 1.2}}',
                 "'rates.EURO' is not an ISO 4217", id="bad-currency"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EUR": -1}}',
                 "'rates.EUR' -1 is not a positive number", id="negative"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EUR": 0}}', "not a positive number",
                 id="zero"),
    pytest.param("r.json", '{"base": "USD", "rates": {"EUR": true}}', "not a positive number",
                 id="boolean"),
    pytest.param("r.yaml", "base: USD\nrates: {EUR: .nan}\n", "not a positive number",
                 id="nan"),
    pytest.param("r.yaml", "base: USD\nrates: {EUR: '1,21'}\n", "not a positive number",
                 id="decimal-comma"),
    pytest.param("r.json", '{"base": "USD", "rates": {"USD": 2}}',
                 "is the base currency, so its rate must be 1", id="base-rated"),
])
def test_bad_rates_are_refused_naming_the_file(tmp_path: Path, name: str, text: str,
                                               message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RatesInvalid) as caught:
        load_rates(path)
    assert caught.value.message.startswith(f"{path}: ")
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_a_missing_rates_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RatesInvalid, match=r"none\.json: file not found"):
        load_rates(tmp_path / "none.json")


@pytest.mark.parametrize("kind", [pytest.param("fifo", id="named-pipe"),
                                  pytest.param("big", id="over-the-size-limit")])
def test_a_rates_file_is_read_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      kind: str) -> None:
    import os

    path = tmp_path / "rates.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # reading it unbounded would wait for a writer for ever
        message = "is a named pipe, not a regular file"
    else:
        monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", "1000")
        path.write_text("base: USD\nrates:\n" + "  EUR: 1.21\n" * 100, encoding="utf-8")
        message = "over the limit of 1,000 bytes"
    with pytest.raises(RatesInvalid) as caught:
        load_rates(path)
    assert caught.value.message.startswith(f"{path}: ")
    assert message in caught.value.message


def test_pledge_report_reads_the_store(database_url: str, schedule: Any) -> None:
    store = PledgeStore(database_url)
    store.upgrade()
    store.add(new_pledge())
    store.add(new_pledge(audience="country", name="Chile", country="CL", language="es",
                         title="Adoptar una hoja de ruta nacional en 2021"))
    report = pledge_report(store, schedule, day=DAY, lang="fr")
    assert [(a.audience, a.name) for a in report.audiences] == [
        ("country", "Pays"), ("org-civil-society", "Organisation de la société civile")]
    assert [r.name for r in report.regions] == ["Afrique", "Amériques"]
    store.close()

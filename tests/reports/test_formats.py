"""The report's formats from a hand-built Report: labels in three languages, numbers and dates
in each, the terminal in 80 columns and escaped, CSV files formula-safe, JSON whole, and the
HTML page self-contained and escaped."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape
from rich.console import Console

from campaign.reports import labels
from campaign.reports.html import CSP, render_html, write_html
from campaign.reports.model import REACH_METHODS
from campaign.reports.tables import COLUMNS, report_json, write_csv
from campaign.reports.terminal import print_report
from tests.reports.sample import HOSTILE, HOSTILE_TAG, SCRIPT, sample_report

LANGS = ("en", "fr", "es")


def test_every_label_exists_in_every_language() -> None:
    for key in labels.LABEL_KEYS:
        texts = [labels.label(key, lang) for lang in LANGS]
        assert all(t.strip() for t in texts), key
        # a placeholder in one language is in all of them
        fields = {tuple(sorted(re.findall(r"{(\w+)}", t))) for t in texts}
        assert len(fields) == 1, (key, fields)


def test_every_reach_method_is_written_in_each_language() -> None:
    for name in REACH_METHODS:
        assert labels.label(f"method_{name}", "en") == REACH_METHODS[name]
        assert {labels.label(f"method_{name}", lang) for lang in LANGS} == {
            labels.label(f"method_{name}", lang) for lang in LANGS}
        assert len({labels.label(f"method_{name}", lang) for lang in LANGS}) == 3


@pytest.mark.parametrize(("lang", "number", "share", "name", "country"), [
    ("en", "12,345", "12.5%", "English", "Senegal"),
    ("fr", "12\u202f345", "12,5\u00a0%", "anglais", "Sénégal"),
    ("es", "12.345", "12,5\u00a0%", "inglés", "Senegal"),
])
def test_numbers_shares_and_names_in_the_language(lang: str, number: str, share: str, name: str,
                                                   country: str) -> None:
    assert labels.number(12345, lang) == number
    assert labels.percent(0.125, lang) == share
    assert labels.language_name("en", lang) == name
    assert labels.country_name("SN", lang) == country


def _terminal(lang: str, **changes: object) -> str:
    report = dataclasses.replace(sample_report(lang), **changes)  # type: ignore[arg-type]
    out = Console(width=80, record=True, highlight=False, color_system=None)
    print_report(report, out)
    return out.export_text()


@pytest.mark.parametrize("lang", LANGS)
def test_the_terminal_report_fits_80_columns_in_each_language(lang: str) -> None:
    text = _terminal(lang)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert labels.label("reach", lang) in text
    assert labels.label("method_potential_reach", lang)[:20] in text
    assert "★" in text


def test_the_terminal_strips_escape_sequences_and_prints_markup_as_text() -> None:
    report = sample_report()
    post = dataclasses.replace(report.top_posts[0], text="\x1b[2J\x1b[31m[bold]red[/bold]",
                               author="[link=x]me")
    text = _terminal("en", top_posts=(post,))
    assert "\x1b" not in text
    assert "[bold]red[/bold]" in text and "[link=x]me" in text


def test_an_empty_report_says_so_in_the_terminal() -> None:
    out = Console(width=80, record=True, color_system=None)
    print_report(sample_report("fr", empty=True), out)
    text = out.export_text()
    assert "Aucune publication sur cette période." in text
    assert "Portée" not in text


def test_csv_files_have_documented_headers_and_formula_safe_cells(tmp_path: Path) -> None:
    report = sample_report("fr")
    post = dataclasses.replace(report.top_posts[0], text="=HYPERLINK(\"http://x\")")
    written = write_csv(dataclasses.replace(report, top_posts=(post,)), tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(COLUMNS)
    docs = (Path(__file__).parents[2] / "docs" / "reports.md").read_text(encoding="utf-8")
    for path in written:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == COLUMNS[path.name]
        assert path.name in docs
        for column in rows[0]:
            assert f"`{column}`" in docs, (path.name, column)
    top = list(csv.DictReader((tmp_path / "out" / "top-posts.csv").open(encoding="utf-8")))
    assert top[0]["text"] == "'=HYPERLINK(\"http://x\")"
    assert top[0]["pledger"] == "yes"
    series = list(csv.DictReader((tmp_path / "out" / "series.csv").open(encoding="utf-8")))
    assert series[5]["start"] == "2021-06-01" and series[5]["observances"] == "wdacl"
    reach = {r["measure"]: r for r in csv.DictReader((tmp_path / "out" / "reach.csv").open())}
    assert reach["potential_reach"]["value"] == "90000"
    assert reach["potential_reach"]["method"] == REACH_METHODS["potential_reach"]


def test_json_holds_everything_with_iso_dates_query_and_methods() -> None:
    found = report_json(sample_report("es"))
    text = json.dumps(found)  # JSON-able as it is
    assert found["query"]["start"] == "2021-01-01" and found["query"]["bucket"] == "month"
    assert found["reach"]["potential_impressions"]["value"] == 1_250_000
    assert found["reach"]["potential_impressions"]["method"] == \
        REACH_METHODS["potential_impressions"]
    assert found["reach"]["reported_posts"] == 30
    assert found["series"][5]["observances"] == ["wdacl"]
    assert found["top_posts"][0]["created_at"] == "2021-06-12T09:30:00+00:00"
    assert found["top_posts"][0]["text"] == HOSTILE
    assert found["silent"][0]["last_post"] is None
    assert found["tags"][1]["tag"] == HOSTILE_TAG
    assert found["empty"] is False and "generated_at" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_html_page_is_self_contained_accessible_and_escaped(lang: str) -> None:
    html = render_html(sample_report(lang))
    assert f'<html lang="{lang}">' in html
    assert f'content="{escape(CSP)}"' in html
    assert HOSTILE not in html and SCRIPT not in html and HOSTILE_TAG not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower()
    # no address the browser would fetch: no src, no stylesheet, no external href
    assert not re.search(r'\ssrc="|<link\b|@import|url\((?!#)', html)
    assert not re.search(r'href="(?!#|https://)', html)
    assert html.count('role="img"') == 6
    for svg in re.findall(r"<svg\b[^>]*>", html):
        assert 'aria-label="' in svg
    assert html.count("<caption>") >= 8
    assert 'scope="col"' in html and 'scope="row"' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # the charts' ids never clash
    assert labels.label("method_potential_reach", lang) in html


def test_an_empty_html_report_says_so(tmp_path: Path) -> None:
    path = write_html(sample_report("fr", empty=True), tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "Aucune publication sur cette période." in html
    assert "<svg" not in html


def test_control_characters_from_a_post_never_reach_the_html_page() -> None:
    """ESC or NUL in a post or a name is a parse error in HTML (and the page must be valid)."""
    report = sample_report()
    post = dataclasses.replace(report.top_posts[0], text="a\x1b[31mb\x00c\x7f", author="d\x08e")
    html = render_html(dataclasses.replace(report, top_posts=(post,)))
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", html)
    assert "a[31mbc" in html and "de" in html


def test_the_terminal_report_stays_within_80_columns_on_a_wide_terminal() -> None:
    out = Console(width=200, record=True, color_system=None)
    print_report(sample_report("fr"), out)
    assert max(len(line.rstrip()) for line in out.export_text().splitlines()) <= 80


def test_the_filters_name_stakeholder_types_and_countries_in_the_language() -> None:
    from campaign.reports.terminal import filters_text

    report = sample_report("fr")
    query = dataclasses.replace(report.query, audiences=("country",), countries=("SN", "-"))
    assert filters_text(dataclasses.replace(report, query=query)) == \
        "Countries · Senegal, sans engagement"  # the sample's labels, and the word for '-'


def test_links_from_posts_and_authors_are_http_only() -> None:
    report = sample_report()
    evil = "javascript:alert(1)"
    report = dataclasses.replace(
        report, top_posts=(dataclasses.replace(report.top_posts[0], url=evil),),
        top_contributors=(dataclasses.replace(report.top_contributors[0], url=" JavaScript:x"),),
        active=(dataclasses.replace(report.active[0], last_post_url="data:text/html,<b>"),))
    html = render_html(report)
    assert "javascript:" not in html.lower() and "data:text" not in html
    assert not re.search(r'href="(?!#)', html)

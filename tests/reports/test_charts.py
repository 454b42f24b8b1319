"""The report's charts: SVG that repeats and refers to nothing outside itself, PNG, alt text
with the numbers in the report's language, hostile hashtags escaped, and an empty period drawn
as a sentence rather than an error; matplotlib loaded only when a chart is drawn."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest

from campaign.reports.charts import split_chart, tags_chart, time_chart
from campaign.reports.model import TagShare
from tests.reports.sample import HOSTILE_TAG, sample_report


def test_the_svg_time_chart_repeats_and_refers_to_nothing_outside() -> None:
    report = sample_report()
    first, second = time_chart(report), time_chart(report)
    assert first.mime == "image/svg+xml"
    assert first.data == second.data  # the same report, the same bytes: embeddable inline
    svg = first.data.decode()
    # every reference is to an id inside the file; no font file, image or stylesheet to fetch
    for ref in re.findall(r'(?:xlink:)?href="([^"]*)"', svg):
        assert ref.startswith("#"), ref
    assert "<text" in svg  # words stay words (small, and read by screen readers)
    assert "<image" not in svg and "@font-face" not in svg and "<dc:date>" not in svg


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Posts per month from Jan 1, 2021 to Dec 31, 2021: 1,050 posts, peak 162 in "
           "December 2021. Observance days marked: World Day Against Child Labour (Jun 12)."),
    ("fr", "Publications par mois du 1 janv. 2021 au 31 déc. 2021\u00a0: 1\u202f050 "
           "publications, pic de 162 en décembre 2021."),
    ("es", "Publicaciones por mes del 1 ene 2021 al 31 dic 2021: 1.050 publicaciones, pico de "
           "162 en diciembre de 2021."),
])
def test_the_time_chart_alt_gives_the_numbers_in_the_language(lang: str, expected: str) -> None:
    alt = time_chart(sample_report(lang)).alt
    assert alt.startswith(expected), alt


def test_the_peak_names_its_observance_day() -> None:
    report = sample_report()
    series = list(report.series)
    june = series[5]
    series[5] = dataclasses.replace(june, counts=dataclasses.replace(june.counts, original=999))
    alt = time_chart(dataclasses.replace(report, series=tuple(series))).alt
    assert "in June 2021 (World Day Against Child Labour)" in alt


def test_split_and_tag_charts_describe_their_bars() -> None:
    report = sample_report()
    network = split_chart(report, "network")
    assert network.alt == "By network: X 850 (81%), Mastodon 120 (11.4%), Bluesky 80 (7.6%)."
    assert split_chart(report, "country", "png").data.startswith(b"\x89PNG\r\n\x1a\n")
    tags = tags_chart(report)
    assert "#childlabour 35% (400)" in tags.alt


def test_a_hostile_hashtag_is_escaped_in_the_svg() -> None:
    report = dataclasses.replace(sample_report(), tags=(
        TagShare(HOSTILE_TAG, 10, 0.5), TagShare("a&b\"c'--><!--", 5, 0.25)))
    svg = tags_chart(report).data.decode()
    assert "<script" not in svg and "-->\n<!--" not in svg
    assert "&lt;script&gt;" in svg  # matplotlib writes each text as an escaped comment
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # still well-formed XML


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_empty_period_draws_a_sentence(lang: str) -> None:
    report = sample_report(lang, empty=True)
    for chart in (time_chart(report), split_chart(report, "language"), tags_chart(report, "png")):
        assert chart.data
    assert time_chart(sample_report("en", empty=True)).alt == \
        "Posts per month: no posts in this period."


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = ("import sys, campaign.reports.charts, campaign.reports.html, "
            "campaign.reports.terminal, campaign.cli.report; "
            "print('matplotlib' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_dollars_in_a_hashtag_or_language_are_text_not_mathtext(fmt: str) -> None:
    """Bluesky's tags and languages are any text: '$\\foo{$' made matplotlib raise."""
    report = sample_report()
    tags = (TagShare("a$\\foo{$b", 3, 0.5), TagShare("$x^2$", 2, 0.25))
    language = dataclasses.replace(report.by_language[0], key="$\\frac$", label="$\\frac{$")
    report = dataclasses.replace(report, tags=tags, by_language=(language,))
    drawn = tags_chart(report, fmt).data  # type: ignore[arg-type]
    split_chart(report, "language", fmt)  # type: ignore[arg-type]
    if fmt == "svg":
        assert "a$\\foo{$b" in drawn.decode() and "$x^2$" in drawn.decode()


def test_control_characters_in_a_label_leave_the_svg_well_formed() -> None:
    """A Bluesky tag may hold any character: ESC or NUL in XML makes the file unreadable."""
    from xml.dom.minidom import parseString

    report = dataclasses.replace(sample_report(), tags=(TagShare("a\x1b[31mb\x00c\ufffe", 3, .5),))
    svg = tags_chart(report).data
    parseString(svg)  # raises on a character XML has no place for
    assert "abc" in svg.decode()

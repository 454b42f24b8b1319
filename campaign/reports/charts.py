"""A report's charts, as SVG or PNG, drawn by matplotlib with no browser and no display.

matplotlib is imported inside the functions that draw, never when this module is imported, so
``campaign --help`` and every other command stay fast. The SVG is meant to be embedded inline in
a self-contained page: the same report gives the same bytes (a fixed hash salt, no date), text is
drawn as paths (no font file to fetch) and nothing refers outside the file; matplotlib escapes
every text it writes (a hashtag like ``<script>`` lands as ``&lt;script&gt;``).

Each chart carries an ``alt``: a sentence with its numbers, in the report's language, for the
readers who cannot see it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from campaign.reports.labels import (
    bucket_text,
    day,
    kind_name,
    label,
    number,
    percent,
    short_day,
)
from campaign.reports.model import KINDS, Report, Share

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Format = Literal["svg", "png"]
Split = Literal["network", "language", "audience", "country"]
MIMES = {"svg": "image/svg+xml", "png": "image/png"}
# one colour a kind of post, readable on white and by most colour-blind readers (Okabe-Ito)
COLOURS = {"original": "#0072B2", "reply": "#E69F00", "repost": "#009E73", "quote": "#CC79A7"}
LINE = "#333333"
OBSERVANCE = "#D55E00"
WIDTH = 8.0  # inches, at 100 dpi: 800 px, the width of the HTML report's column
SHORT_TITLE = 28  # characters of an observance's title written on the chart


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its bytes, their type, a description with the numbers, and its title."""

    data: bytes
    mime: str
    alt: str
    title: str


@contextmanager
def _figure(height: float) -> Iterator[Figure]:
    """A figure drawn with the settings that make its SVG inline-able and repeatable."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # text stays text ("none", not glyphs drawn as paths): a page of charts is a tenth of the
    # size, screen readers and search find the words, and the browser draws them in a
    # sans-serif it has (matplotlib escapes every label it writes). No mathtext: a hashtag or
    # a language code from a post is written as it is, never parsed ('$\\foo$' would raise)
    settings: dict[Any, Any] = {"svg.hashsalt": "campaign-report", "svg.fonttype": "none",
                "text.parse_math": False,
                "font.family": "sans-serif",
                "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
                "font.size": 9.0, "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(settings):
        yield Figure(figsize=(WIDTH, height), dpi=100, layout="constrained")


def _save(figure: Figure, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    # no date and no software version: the same report gives the same file
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _empty(title: str, report: Report, fmt: Format, height: float = 2.0) -> Chart:
    with _figure(height) as figure:
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.set_title(title, loc="left", fontweight="bold")
        axes.text(0.5, 0.5, label("empty", report.language), ha="center", va="center",
                  fontsize=12, transform=axes.transAxes)
        data = _save(figure, fmt)
    return Chart(data, MIMES[fmt], label("chart_empty_alt", report.language, title=title), title)


def _short(title: str) -> str:
    return title if len(title) <= SHORT_TITLE else title[:SHORT_TITLE - 1].rstrip() + "…"


def _plain(text: str) -> str:
    """A label from others as matplotlib may draw it: no control character (XML has no place
    for one, so an SVG holding it would not open) and no escape sequence."""
    from campaign.text.escape import CONTROL, terminal

    return CONTROL.sub("", terminal(text))


def time_title(report: Report) -> str:
    """The time chart's title: posts per day, week or month."""
    return label(f"per_{report.query.bucket}", report.language)


def time_alt(report: Report) -> str:
    """The time chart described with its numbers: total, peak and when, observance days."""
    lang, bucket = report.language, report.query.bucket
    title = time_title(report)
    if report.empty or not report.series:
        return label("chart_empty_alt", lang, title=title)
    peak = max(report.series, key=lambda p: (p.counts.posts, -p.start.toordinal()))
    titles = {o.id: o.title for o in report.observances}
    during = [titles[i] for i in peak.observances if i in titles]
    text = label("chart_time_alt", lang, title=title, start=day(report.query.start, lang),
                 end=day(report.query.end, lang), posts=number(report.totals.posts, lang),
                 peak=number(peak.counts.posts, lang),
                 when=label(f"peak_{bucket}", lang, when=bucket_text(peak.start, bucket, lang,
                                                             capital=False)),
                 observance=f" ({', '.join(during)})" if during else "")
    if report.observances:
        days = ", ".join(f"{o.title} ({short_day(o.day, lang)})" for o in report.observances)
        text += label("chart_observances", lang, days=days)
    return text


def time_chart(report: Report, fmt: Format = "svg") -> Chart:
    """Posts per bucket stacked by kind, unique contributors as a line, observance days marked."""
    title = time_title(report)
    if report.empty or not report.series:
        return _empty(title, report, fmt)
    lang, points = report.language, report.series
    with _figure(3.6) as figure:
        axes = figure.add_subplot()
        places = list(range(len(points)))
        bottom = [0] * len(points)
        for kind in KINDS:
            values = [getattr(p.counts, kind) for p in points]
            axes.bar(places, values, bottom=bottom, width=0.8, color=COLOURS[kind],
                     label=kind_name(kind, lang))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.plot(places, [p.contributors for p in points], color=LINE, marker="o",
                  markersize=3, linewidth=1.4, label=label("contributors", lang))
        _mark_observances(axes, report)
        _time_axis(axes, report)
        axes.set_ylabel(label("posts", lang))
        axes.set_title(title, loc="left", fontweight="bold")
        axes.yaxis.set_major_formatter(_number_formatter(lang))
        axes.legend(loc="upper left", frameon=False, fontsize=8, ncols=5)
        axes.set_ylim(0, max(bottom + [p.contributors for p in points]) * 1.25 or 1)
        data = _save(figure, fmt)
    return Chart(data, MIMES[fmt], time_alt(report), title)


def _mark_observances(axes: Axes, report: Report) -> None:
    """A dashed vertical line at each observance day's bucket, with its short title."""
    where = {oid: index for index, point in enumerate(report.series) for oid in point.observances}
    for observance in report.observances:
        if observance.id not in where:
            continue
        place = where[observance.id]
        axes.axvline(place, color=OBSERVANCE, linestyle="--", linewidth=1)
        axes.text(place, 0.98, f" {_short(_plain(observance.title))}", rotation=90, va="top",
                  ha="right", fontsize=7, color=OBSERVANCE,
                  transform=axes.get_xaxis_transform())


def _time_axis(axes: Axes, report: Report) -> None:
    """The buckets' names under the bars, thinned out to about a dozen."""
    lang, bucket, points = report.language, report.query.bucket, report.series
    step = max(1, -(-len(points) // 12))
    places = list(range(0, len(points), step))
    if bucket == "month":
        names = [label_month(points[i].start, lang) for i in places]
    else:
        names = [short_day(points[i].start, lang) for i in places]
    axes.set_xticks(places, names, fontsize=8)
    axes.set_xlim(-0.6, len(points) - 0.4)
    axes.set_xlabel(label(f"bucket_{bucket}", lang))


def label_month(start: Any, lang: str) -> str:
    """A month's short name for an axis: Jun, juin, jun."""
    from babel.dates import format_date

    from campaign.reports.labels import locale

    return str(format_date(start, "LLL", locale=locale(lang)))


def _number_formatter(lang: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: number(int(value), lang)
                         if float(value).is_integer() else "")


def _bars(report: Report, title: str, names: Sequence[str], values: Sequence[int],
          shares: Sequence[float], fmt: Format, alt: str) -> Chart:
    """Horizontal bars, biggest on top, each with its count and share written beside it."""
    lang = report.language
    with _figure(max(1.6, 0.9 + 0.32 * len(names))) as figure:
        axes = figure.add_subplot()
        places = list(range(len(names)))[::-1]
        axes.barh(places, values, color=COLOURS["original"], height=0.7)
        axes.set_yticks(places, [_short(_plain(n)) for n in names], fontsize=8)
        top = max(values) if values else 1
        for place, value, share in zip(places, values, shares, strict=True):
            axes.text(value + top * 0.01, place, f"{number(value, lang)} ({percent(share, lang)})",
                      va="center", fontsize=8)
        axes.set_xlim(0, top * 1.3 or 1)
        axes.xaxis.set_major_formatter(_number_formatter(lang))
        axes.set_title(title, loc="left", fontweight="bold")
        data = _save(figure, fmt)
    return Chart(data, MIMES[fmt], alt, title)


def shares_of(report: Report, which: Split) -> tuple[Share, ...]:
    """The split a chart or table shows: by network, language, stakeholder type or country."""
    return {"network": report.by_network, "language": report.by_language,
            "audience": report.by_audience, "country": report.by_country}[which]


def split_chart(report: Report, which: Split, fmt: Format = "svg") -> Chart:
    """Posts by network, language, stakeholder type or country, as horizontal bars."""
    lang = report.language
    title = label(f"by_{which}", lang)
    shares = shares_of(report, which)
    if report.empty or not shares:
        return _empty(title, report, fmt)
    total = report.totals.posts or 1
    parts = [s.posts / total for s in shares]
    values = ", ".join(f"{s.label} {number(s.posts, lang)} ({percent(p, lang)})"
                       for s, p in zip(shares, parts, strict=True))
    alt = label("chart_split_alt", lang, title=title, values=values)
    return _bars(report, title, [s.label for s in shares], [s.posts for s in shares], parts, fmt,
                 alt)


def tags_chart(report: Report, fmt: Format = "svg") -> Chart:
    """The hashtags used alongside the report's posts, with their share of the posts."""
    lang = report.language
    title = label("tags", lang)
    if report.empty or not report.tags:
        return _empty(title, report, fmt)
    values = ", ".join(f"#{t.tag} {percent(t.share, lang)} ({number(t.posts, lang)})"
                       for t in report.tags)
    alt = label("chart_tags_alt", lang, title=title, values=values)
    return _bars(report, title, [f"#{t.tag}" for t in report.tags], [t.posts for t in report.tags],
                 [t.share for t in report.tags], fmt, alt)


def all_charts(report: Report, fmt: Format = "svg") -> dict[str, Chart]:
    """Every chart of the report, by name: time, network, language, audience, country, tags."""
    charts = {"time": time_chart(report, fmt)}
    for which in ("network", "language", "audience", "country"):
        charts[which] = split_chart(report, which, fmt)
    charts["tags"] = tags_chart(report, fmt)
    return charts

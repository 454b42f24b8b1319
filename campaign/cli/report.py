"""``campaign report``: how the hashtags were used over a period, as a terminal table, JSON, CSV
files, PNG or SVG charts, or one self-contained HTML page.

The command parses its options into a :class:`campaign.reports.model.ReportQuery`, builds the
report once (:func:`campaign.reports.metrics.build_report`) and formats it; every file is
written whole or not at all (campaign.atomic).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import (
    console,
    db_option,
    json_option,
    print_json,
    schedule_option,
    today_option,
)
from campaign.text.lines import print_trimmed

if TYPE_CHECKING:
    from campaign.reports.model import Report

CHARTS = ("time", "network", "language", "audience", "country", "tags")
DAY = click.DateTime(["%Y-%m-%d"])


def _chart_target(value: str) -> tuple[str, Path]:
    """``FILE.svg`` (the time chart) or ``NAME=FILE.png`` (network, language, ... tags)."""
    from campaign.errors import CampaignError, UsageError

    which, _, path = value.rpartition("=") if "=" in value else ("time", "", value)
    if which not in CHARTS:
        raise UsageError("chart", which, CHARTS)
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise CampaignError(f"--chart {value}: name a .svg or .png file, e.g. --chart "
                            "posts.svg or --chart network=networks.png")
    return which, Path(path)


def _check_destination(option: str, path: Path) -> None:
    """Refuse, naming ``option``, a file whose folder is missing (or is a file) or a path that
    exists and is not a regular file."""
    from campaign.atomic import DestinationError
    from campaign.errors import ExportError

    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise DestinationError(f"{option} {path}: {folder} is a file, not a folder: choose "
                               f"another {option} path")
    if not folder.is_dir():
        raise ExportError(f"{option} {path}: the folder {folder} does not exist: create it or "
                          f"choose another {option} path")
    if path.exists() and not path.is_file():
        raise DestinationError(f"{option} {path}: it exists and is not a regular file: choose "
                               f"a file path for {option}")


def _period(start: datetime | None, end: datetime | None,
            year: int) -> tuple[date, date]:
    """The days asked for: --from and --to, else the whole year (one given: to its year's end
    or from its year's start)."""
    first = start.date() if start else date(end.year if end else year, 1, 1)
    last = end.date() if end else date(first.year, 12, 31)
    return first, last


@click.command()
@click.option("--from", "start", type=DAY, metavar="YYYY-MM-DD",
              help="First day of the period (default: 1 January of the year).")
@click.option("--to", "end", type=DAY, metavar="YYYY-MM-DD",
              help="Last day of the period, included (default: 31 December).")
@schedule_option
@click.option("--by", "bucket", type=click.Choice(["day", "week", "month"]), default="month",
              show_default=True, help="Count posts per day, week or month.")
@click.option("--network", "-n", "networks", multiple=True, metavar="NETWORK",
              help="Only this network (x, bluesky, mastodon); repeat for several.")
@click.option("--language", "languages", multiple=True, metavar="CODE",
              help="Only posts in this language, e.g. fr; repeat for several.")
@click.option("--hashtag", metavar="TAG",
              help="Only posts with this hashtag, with or without '#' (default: every post).")
@click.option("--audience", "-a", "audiences", multiple=True, metavar="TYPE",
              help="Only authors whose pledge has this stakeholder type ('-': no pledge).")
@click.option("--country", "countries", multiple=True, metavar="CC",
              help="Only authors whose pledge has this country code ('-': no pledge).")
@click.option("--pledgers", "pledgers_only", is_flag=True, help="Only authors a pledge names.")
@click.option("--top", type=click.IntRange(min=1, max=1000), default=10, show_default=True,
              help="How many top posts, contributors and hashtags.")
@today_option
@click.option("--lang", "-l", "language", type=click.Choice(["en", "fr", "es"]),
              default="en", show_default=True, help="Language of the report.")
@json_option
@click.option("--csv", "csv_dir", type=click.Path(path_type=Path, file_okay=False),
              metavar="FOLDER", help="Write one CSV file a section into FOLDER.")
@click.option("--chart", "charts", multiple=True, metavar="[NAME=]FILE",
              help="Write a chart as .svg or .png: the time chart, or NAME=FILE for network, "
                   "language, audience, country or tags; repeat for several.")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE.html", help="Write the whole report as one self-contained page.")
@db_option
def report(start: datetime | None, end: datetime | None, schedule_path: Path | None,
           year: int | None, bucket: str, networks: tuple[str, ...],
           languages: tuple[str, ...], hashtag: str | None, audiences: tuple[str, ...],
           countries: tuple[str, ...], pledgers_only: bool, top: int, today: datetime | None,
           language: str, as_json: bool, csv_dir: Path | None, charts: tuple[str, ...],
           html_path: Path | None, db_url: str | None) -> None:
    """Report how the hashtags were used: over time, by whom, where, with what reach.

    Posts collected by `campaign track`, counted per day, week or month over the period (the
    schedule's year by default), split by network, language, stakeholder type and country;
    top posts and contributors (pledgers marked); reach three ways, each with its method;
    pledgers active this month and silent ones. Printed as tables, or --json, or written as
    --csv, --chart and --html files."""
    from campaign.atomic import DestinationError
    from campaign.content.selection import load
    from campaign.reports.metrics import build_report
    from campaign.reports.model import ReportQuery
    from campaign.tracking.records import normalise_tag

    targets = [_chart_target(value) for value in charts]
    # every destination checked before the report is built and any file written: a bad
    # --html never leaves the --csv files of a half-done run behind
    destinations = [*(("--chart", p) for _w, p in targets),
                    *((("--html", html_path),) if html_path is not None else ())]
    seen: dict[Path, str] = {}
    for option, path in destinations:
        _check_destination(option, path)
        where = path.resolve()
        if where in seen:  # the second would overwrite the first and both be said written
            raise DestinationError(f"{option} {path}: {seen[where]} writes that file too: "
                                   "give each its own file")
        seen[where] = option
    given = start or end
    # the calendar's observance days in the year the period is in, unless --year says which
    schedule = load(schedule_path, year if year is not None else
                    given.year if given is not None else None)
    first, last = _period(start, end, schedule.year)
    tag = normalise_tag(hashtag) if hashtag is not None else None
    if tag == "":
        raise click.BadParameter("give a hashtag, e.g. EndChildLabour2021", param_hint="--hashtag")
    # networks are stored in lower case and countries as ISO codes: X and sn are x and SN
    query = ReportQuery(start=first, end=last, bucket=bucket,  # type: ignore[arg-type]
                        networks=tuple(n.lower() for n in networks),
                        languages=tuple(lang.lower() for lang in languages),
                        hashtag=tag, audiences=audiences,
                        countries=tuple(c.upper() for c in countries), pledgers_only=pledgers_only,
                        top=top, today=today.date() if today else None)
    built = build_report(db_url, query, language=language, schedule=schedule)
    written = _write(built, csv_dir, targets, html_path)
    if as_json:
        from campaign.reports.tables import report_json

        print_json(report_json(built))
    elif not written:
        from campaign.reports.terminal import print_report

        print_report(built, console())
    if written:
        _say_written(built, written, stderr=as_json)


def _write(built: Report, csv_dir: Path | None, targets: list[tuple[str, Path]],
           html_path: Path | None) -> list[tuple[Path, str]]:
    """Write the files asked for; each path with what it holds."""
    from campaign.reports.labels import label

    lang = built.language
    written: list[tuple[Path, str]] = []
    if csv_dir is not None:
        from campaign.reports.tables import write_csv

        written += [(path, "CSV") for path in write_csv(built, csv_dir)]
    if targets:
        from campaign.atomic import check_destination, write_bytes
        from campaign.reports import charts as drawing

        for _which, path in targets:
            check_destination(path)  # refused before any chart is drawn
        for which, path in targets:
            fmt = "png" if path.suffix.lower() == ".png" else "svg"
            chart = (drawing.time_chart(built, fmt) if which == "time"  # type: ignore[arg-type]
                     else drawing.tags_chart(built, fmt) if which == "tags"  # type: ignore[arg-type]
                     else drawing.split_chart(built, which, fmt))  # type: ignore[arg-type]
            write_bytes(path, chart.data)
            written.append((path, chart.title))
    if html_path is not None:
        from campaign.reports.html import write_html

        write_html(built, html_path)
        written.append((html_path, label("title", lang) + " (HTML)"))
    return written


def _say_written(built: Report, written: list[tuple[Path, str]], *, stderr: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from campaign.reports.labels import label, number
    from campaign.text.escape import terminal

    out = console(stderr=stderr)
    table = Table.grid(padding=(0, 2))
    # a path is folded, never cut: the person must be able to read where each file went
    table.add_column(overflow="fold", style="bold")
    table.add_column()
    for path, what in written:
        table.add_row(Text(terminal(path)), Text(terminal(what)))
    print_trimmed(out, table)
    posts = number(built.totals.posts, built.language)
    summary = label("empty", built.language) if built.empty else \
        f"{posts} {label('posts', built.language).lower()}"
    out.print(Text(f"✓ {label('written', built.language)}: {len(written)} · {summary}",
                   style="green"))

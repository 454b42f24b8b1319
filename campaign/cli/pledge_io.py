"""``campaign pledge import`` and ``pledge export``: many pledges from CSV or JSON files, and the
stored ones out again in a form that imports back (campaign.pledges.io does the work)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from campaign.cli.options import (
    console,
    db_option,
    fail,
    json_option,
    open_pledges,
    pledge_rules,
    print_json,
    resolve_options,
    schedule_option,
    today_option,
)

if TYPE_CHECKING:
    from campaign.pledges.io import ImportReport, RowResult

WIDTH = 80
PROGRESS_FROM = 200  # rows: a shorter import is over before a bar would be read


@click.command("import", short_help="Import pledges from CSV or JSON files, every row checked.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--atomic", is_flag=True,
              help="Store nothing when any row is rejected (default: store the accepted rows).")
@click.option("--dry-run", is_flag=True, help="Check and report, store nothing.")
@click.option("--skip-existing", is_flag=True,
              help="Skip pledges and reports already stored instead of rejecting them (to "
                   "import a growing export of the form again).")
@resolve_options
@schedule_option
@today_option
@db_option
@json_option
def import_(files: tuple[Path, ...], atomic: bool, dry_run: bool, skip_existing: bool,
            no_resolve: bool,
            resolve_via: str | None, schedule_path: Path | None, year: int | None,
            today: datetime | None, db_url: str | None, as_json: bool) -> None:
    """Import pledges from FILES (CSV or JSON, and progress CSVs): every row is checked as
    `pledge add` checks one; accepted rows are stored, rejected ones reported with every
    reason. Exits 2 when any row is rejected. Formats: docs/pledges.md."""
    from campaign.pledges.io import import_pledges
    from campaign.pledges.submission import bluesky_resolver

    rules = pledge_rules(schedule_path, year, today)
    store = open_pledges(db_url)
    resolve = None if no_resolve or dry_run else bluesky_resolver(resolve_via)
    with _progress_bar() as step:
        report = import_pledges(store, files, rules, atomic=atomic, dry_run=dry_run,
                                resolve=resolve, progress=step, skip_existing=skip_existing)
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)
    if report.exit_code:
        fail(report.exit_code)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A bar on stderr while rows are checked, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task: list[Any] = []

        def step(done: int, total: int) -> None:
            if total < PROGRESS_FROM:
                return
            if not task:
                task.append(bar.add_task("Checking pledges", total=total))
            bar.update(task[0], completed=done)

        yield step


def _print_report(report: ImportReport) -> None:
    from campaign.text.escape import rich_literal

    out = console()
    for row in report.rows:
        mark = ("[dim]skipped [/]" if row.skipped else
                "[green]accepted[/]" if row.accepted else "[red]rejected[/]")
        out.print(f"{mark}  {rich_literal(_headline(row))}", soft_wrap=True)
        for line in [*row.problems, *row.notices]:
            bullet = "-" if line in row.problems else "!"
            out.print(rich_literal(textwrap.fill(line, WIDTH, initial_indent=f"    {bullet} ",
                                                 subsequent_indent="      ")), soft_wrap=True)
    out.print(rich_literal(_summary(report)), soft_wrap=True)


def _headline(row: RowResult) -> str:
    who = f"pledge {row.pledge_id}" if row.pledge_id else ""
    what = f"{row.indicator} of {row.name}" if row.kind == "progress" else row.name
    head = f"{row.where}  {who}".rstrip()
    room = WIDTH - 10 - len(head) - 2
    if what and room > 8:
        head += "  " + (what if len(what) <= room else what[:room - 1] + "…")
    return head


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(report: ImportReport) -> str:
    pledges, reports = report.count("pledge"), report.count("progress")
    rejected = len(report.rejected)
    what = _plural(pledges, "pledge") + (
        f" and {_plural(reports, 'progress report')}" if reports else "")
    refused = f"; {_plural(rejected, 'row')} rejected" if rejected else ""
    if report.skipped:
        refused += f"; {_plural(len(report.skipped), 'row')} already stored, skipped"
    if report.dry_run:
        return f"Dry run: {what} would be imported{refused}; nothing stored."
    if not report.stored:
        return f"Nothing imported (--atomic){refused}: correct them and import again."
    tail = ", nothing stored from them." if rejected else "."
    return f"Imported {what}{refused}{tail}"


@click.command(short_help="Export pledges as CSV or JSON (they import back as they were).")
@click.option("--out", "-o", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write, .csv or .json (replaced whole, never half-written).")
@click.option("--format", "-f", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="Format (default: from the file's name).")
@click.option("--status", "statuses", multiple=True, help="Only pledges with this status.")
@click.option("--audience", "-a", "audiences", multiple=True, help="Only this stakeholder type.")
@db_option
@json_option
def export(out: Path, fmt: str | None, statuses: tuple[str, ...], audiences: tuple[str, ...],
           db_url: str | None, as_json: bool) -> None:
    """Write the stored pledges to a CSV file (progress reports beside it, in
    <name>.progress.csv) or a JSON file, cells guarded against spreadsheet formulas."""
    from campaign.pledges.io import export_pledges
    from campaign.text.escape import terminal

    result = export_pledges(open_pledges(db_url), out, fmt=fmt, statuses=statuses,
                            audiences=audiences)
    if as_json:
        print_json({"files": [str(f) for f in result.files], "pledges": result.pledges,
                    "progress_reports": result.reports})
        return
    text = f"Wrote {_plural(result.pledges, 'pledge')} to {result.files[0]}"
    if len(result.files) > 1:
        text += f" and {_plural(result.reports, 'progress report')} to {result.files[1]}"
    elif result.reports:
        text += f" with {_plural(result.reports, 'progress report')}"
    click.echo(terminal(text + "."))

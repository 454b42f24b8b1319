"""``campaign pledge progress|review|checkins|report``: progress through the year, for Amplifier.

Each command calls one function of campaign.pledges.progress or campaign.pledges.report (the
same ones the web dashboard calls) and formats the frozen values it returns: a table that fits
80 columns, ``--json``, or a CSV (formula-safe) for a mail merge or a spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from campaign.cli.options import (
    PledgeId,
    console,
    db_option,
    json_option,
    open_pledges,
    parse_month,
    pledge_rules,
    print_json,
    schedule_option,
    today_option,
)
from campaign.text.lines import print_trimmed

if TYPE_CHECKING:
    from rich.console import Console

    from campaign.pledges.progress import CheckIns, IndicatorLight, PledgeLight, Review
    from campaign.pledges.report import Report

F = TypeVar("F", bound=Callable[..., Any])
LIGHT_STYLE = {"on_track": "green", "behind": "yellow", "overdue": "red", "silent": "magenta",
               "done": "bold green", "unknown": "dim"}
LIGHT_MARK = {"on_track": "●", "behind": "●", "overdue": "●", "silent": "○", "done": "✓",
              "unknown": "?"}


def silent_option(func: F) -> F:
    """``--silent-after``: days without a report before a pledge is silent."""
    return click.option("--silent-after", "silent_after", type=click.IntRange(1, 366),
                        default=45, show_default=True, metavar="DAYS",
                        help="Days without a report before a pledge is silent.")(func)


def _today(today: datetime | None) -> date:
    return today.date() if today else date.today()


def _light(value: str) -> str:
    return f"[{LIGHT_STYLE[value]}]{LIGHT_MARK[value]} {value.replace('_', ' ')}[/]"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _indented(out: Console, markup: str, indent: int) -> None:
    """Print ``markup`` with every wrapped line indented, so a long line stays readable."""
    from rich.padding import Padding

    out.print(Padding(markup, (0, 0, 0, indent), expand=False))


def _print_list(out: Console, items: list[str], indent: int) -> None:
    """Print ``items`` (markup) as a list whose wrapped lines stay clear of the dashes."""
    from rich.padding import Padding
    from rich.table import Table

    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("-", item)
    print_trimmed(out, Padding(grid, (0, 0, 0, indent), expand=False))


def _print_indicator(out: Console, ind: IndicatorLight) -> None:
    from campaign.text.escape import rich_literal

    unit = f" {rich_literal(ind.unit)}" if ind.unit else ""
    start = f" (from {_number(ind.baseline)})" if ind.baseline else ""
    _indented(out, f"{_light(ind.light.value)}  {rich_literal(ind.name)}: "
                   f"{_number(ind.latest)} of {_number(ind.target)}{unit}{start} by "
                   f"{ind.deadline}", 2)
    _indented(out, f"[dim]{rich_literal(ind.why)}[/]", 6)


def _print_heading(out: Console, light: PledgeLight) -> None:
    from campaign.text.escape import rich_literal

    out.print(f"[bold]#{light.pledge_id} {rich_literal(light.name)}[/]  "
              f"{_light(light.light.value)}")
    _indented(out, rich_literal(light.title), 2)


# -- progress ----------------------------------------------------------------------------------
@click.command(short_help="Report a value of one of a pledge's indicators.")
@click.argument("pledge_id", type=PledgeId())
@click.option("--indicator", "-i", required=True, metavar="NAME",
              help="The indicator's name, as `pledge show` gives it (any case).")
@click.option("--value", "-v", "value", required=True, type=float, metavar="V",
              help="The indicator's value on that day, a number.")
@click.option("--note", default="", help="What was done, in a sentence or two.")
@click.option("--evidence", default="", metavar="URL",
              help="An http(s) page that shows the progress (a report, a post, an article).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The day the value was measured (default: today).")
@silent_option
@today_option
@db_option
@json_option
def progress(pledge_id: int, indicator: str, value: float, note: str, evidence: str,
             on: datetime | None, silent_after: int, today: datetime | None, db_url: str | None,
             as_json: bool) -> None:
    """Record the value an indicator of pledge PLEDGE_ID reached, and print its light.

    \b
    Example:
      campaign pledge progress 3 --indicator "Children enrolled" --value 120 \\
        --note "Second school opened" --evidence https://example.org/news \\
        --on 2021-06-30
    """
    from campaign.pledges.progress import light_record, pledge_light, record_progress

    day = _today(today)
    store = open_pledges(db_url)
    pledge = record_progress(store, pledge_id, indicator, value=value,
                             on=on.date() if on else day, today=day, note=note,
                             evidence=evidence)
    light = pledge_light(pledge, day, silent_after=silent_after)
    if as_json:
        print_json(light_record(light))
        return
    out = console()
    state = pledge.indicator(indicator)
    name = state.indicator.name if state else indicator
    out.print(f"Recorded {value:g} for {_quoted(name)} of pledge {pledge_id} on "
              f"{on.date() if on else day}.")
    _print_heading(out, light)
    for ind in light.indicators:
        _print_indicator(out, ind)


def _quoted(text: str) -> str:
    from campaign.text.escape import rich_literal

    # quoted around the escaped text: repr() would double the backslash rich_literal puts
    # before a "[", and "\\[link=…]" prints a backslash, then runs the markup
    return f"'{rich_literal(text)}'"


# -- review ------------------------------------------------------------------------------------
@click.command(short_help="The July review: every active pledge's lights, what to ask.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Review as of this day (default: 1 July of the campaign year).")
@silent_option
@schedule_option
@db_option
@json_option
def review(on: datetime | None, silent_after: int, schedule_path: Path | None,
           year: int | None, db_url: str | None, as_json: bool) -> None:
    """The mid-year review the guide asks for in July: every submitted or accepted pledge's
    traffic lights as of mid-year, worst first, with the questions to ask its pledger (in the
    pledger's language) in the survey of its network."""
    from campaign.pledges.progress import light_record, mid_year
    from campaign.pledges.progress import review as review_pledges

    day = on.date() if on else mid_year(pledge_rules(schedule_path, year).year)
    result = review_pledges(open_pledges(db_url), day, silent_after=silent_after)
    if as_json:
        print_json({"day": day.isoformat(), "silent_after": silent_after,
                    "counts": dict(result.counts),
                    "pledges": [light_record(e.light) | {
                        "focal_name": e.focal_name, "focal_email": e.focal_email,
                        "language": e.language, "questions": list(e.questions)}
                        for e in result.entries]})
        return
    _print_review(result)


def _print_review(result: Review) -> None:
    from campaign.text.escape import rich_literal

    out = console()
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.counts.items() if n)
    out.print(f"[bold]Mid-year review on {result.day}[/]: {len(result.entries)} active "
              f"pledge{'s' if len(result.entries) != 1 else ''}" + (f": {counts}" if counts
                                                                     else ""))
    for entry in result.entries:
        out.print()
        _print_heading(out, entry.light)
        for ind in entry.light.indicators:
            _print_indicator(out, ind)
        if not entry.light.indicators:
            _indented(out, f"[dim]{rich_literal(entry.light.why)}[/]", 6)
        _indented(out, f"Ask {rich_literal(entry.focal_name)} "
                       f"<{rich_literal(entry.focal_email)}> ({entry.language}):", 2)
        _print_list(out, [rich_literal(q) for q in entry.questions], 4)


# -- checkins ----------------------------------------------------------------------------------
@click.command(short_help="Pledgers with no update this month, to send reminders.")
@click.option("--month", "-m", "month", metavar="MONTH",
              help="Month number or English name (default: this month), in the year of --today.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the list as CSV for a mail merge (formula-safe).")
@silent_option
@today_option
@db_option
@json_option
def checkins(month: str | None, csv_path: Path | None, silent_after: int,
             today: datetime | None, db_url: str | None, as_json: bool) -> None:
    """The monthly check-in: the submitted or accepted pledges with no progress report dated
    in the month, longest silent first, with their focal point and handles."""
    from campaign.pledges.progress import checkins as find_checkins

    day = _today(today)
    number = parse_month(month) if month else day.month
    result = find_checkins(open_pledges(db_url), year=day.year, month=number, today=day,
                           silent_after=silent_after)
    if csv_path is not None:
        _write_checkins(csv_path, result)
    if as_json:
        print_json({"year": result.year, "month": result.month, "day": result.day.isoformat(),
                    "pledgers": [{"pledge": c.pledge_id, "name": c.name, "title": c.title,
                                  "language": c.language, "focal_name": c.focal_name,
                                  "focal_email": c.focal_email, "handles": dict(c.handles),
                                  "last_report": c.last_report.isoformat()
                                  if c.last_report else None,
                                  "days_silent": c.days_silent, "light": c.light.value}
                                 for c in result.pledgers]})
        return
    _print_checkins(result, csv_path)


def _write_checkins(path: Path, result: CheckIns) -> None:
    from campaign.atomic import atomic_open
    from campaign.exporters.csv import safe_cell
    from campaign.pledges.handles import PLEDGE_NETWORKS
    from campaign.pledges.progress import checkin_fields, checkin_header

    with atomic_open(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(checkin_header(PLEDGE_NETWORKS))
        for item in result.pledgers:
            writer.writerow([safe_cell(v) for v in checkin_fields(item, PLEDGE_NETWORKS)])


def _print_checkins(result: CheckIns, csv_path: Path | None) -> None:
    from rich.table import Table

    from campaign.cli.options import MONTHS
    from campaign.text.escape import rich_literal

    out = console()
    month = f"{MONTHS[result.month - 1].capitalize()} {result.year}"
    if not result.pledgers:
        # not "every pledge has reported": there may be none, or only later or finished ones
        out.print(f"No active pledge to remind for {month}.")
    else:
        table = Table(title=f"No update in {month} (counted on {result.day})", title_justify="left",
                      box=None, pad_edge=False)
        table.add_column("#", justify="right", no_wrap=True)
        # one wide column (who, then the focal point, then each handle on its line): an email or
        # a handle cut in two cannot be copied into a reminder
        table.add_column("Pledger, focal point and handles", overflow="fold",
                         max_width=min(80, out.width) - 28)
        table.add_column("Last report", no_wrap=True)
        table.add_column("Silent", justify="right", no_wrap=True)
        for c in result.pledgers:
            lines = [f"[bold]{rich_literal(c.name)}[/]",
                     f"{rich_literal(c.focal_name)} <{rich_literal(c.focal_email)}>",
                     *(f"[dim]{rich_literal(h)}[/]" for h in c.handles.values())]
            table.add_row(str(c.pledge_id), "\n".join(lines), str(c.last_report or "never"),
                          f"{c.days_silent} d")
        print_trimmed(out, table)
    if csv_path is not None:
        out.print(f"Wrote {len(result.pledgers)} row{'s' if len(result.pledgers) != 1 else ''} "
                  f"to {rich_literal(csv_path)}.")


# -- report ------------------------------------------------------------------------------------
@click.command(short_help="The Amplifier report: pledges, indicators, costs per currency.")
@click.option("--lang", "-l", "lang", type=click.Choice(["en", "fr", "es"]), default="en",
              show_default=True, help="Language of country, region and currency names.")
@click.option("--rates", "rates_path", type=click.Path(path_type=Path, dir_okay=False),
              help='YAML or JSON exchange rates, {"base": "USD", "rates": {"EUR": 1.21}} '
                   "(1 EUR = 1.21 USD); without it costs are never converted.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the report as CSV (table, key, name, measure, value).")
@silent_option
@today_option
@schedule_option
@db_option
@json_option
def report(lang: str, rates_path: Path | None, csv_path: Path | None, silent_after: int,
           today: datetime | None, schedule_path: Path | None, year: int | None,
           db_url: str | None, as_json: bool) -> None:
    """The report for Amplifier: pledges by stakeholder type, UN M.49 region and status, how
    many indicators are on track, and the estimated costs per currency (2021 and scaling up
    to 2025), converted only when --rates is given."""
    from campaign.content.selection import load
    from campaign.pledges.report import load_rates, pledge_report, report_record

    rates = load_rates(rates_path) if rates_path else None
    schedule = load(schedule_path, year)
    result = pledge_report(open_pledges(db_url), schedule, day=_today(today), lang=lang,
                           rates=rates, silent_after=silent_after)
    if csv_path is not None:
        _write_report(csv_path, result)
    if as_json:
        print_json(report_record(result))
        return
    _print_report(result)
    if csv_path is not None:
        from campaign.text.escape import rich_literal

        console().print(f"Wrote the report to {rich_literal(csv_path)}.")


def _write_report(path: Path, result: Report) -> None:
    from campaign.atomic import atomic_open
    from campaign.exporters.csv import safe_cell
    from campaign.pledges.report import REPORT_CSV_HEADER, report_rows

    with atomic_open(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_CSV_HEADER)
        for row in report_rows(result):
            writer.writerow([safe_cell(v) for v in row])


def _amount(value: Decimal, currency: str, lang: str) -> str:
    from babel.numbers import format_currency

    # the ISO code rather than a symbol ("$" does not say which dollar, "F CFA" reads as a
    # word), the currency's own decimals (none for XOF, two for USD), the language's digits
    return str(format_currency(value, currency, locale=lang, format="¤¤\u00a0#,##0.00"))


def _amounts(values: Mapping[str, Decimal], lang: str) -> str:
    return "\n".join(_amount(v, c, lang) for c, v in values.items()) or "-"


def _print_report(result: Report) -> None:
    from rich.table import Table

    from campaign.text.escape import rich_literal

    out = console()
    out.print(f"[bold]Action Pledges on {result.day}[/]: {result.total} "
              f"({', '.join(f'{n} {s}' for s, n in result.statuses.items() if n) or 'none'})")
    short = {"draft": "Draft", "submitted": "Subm.", "accepted": "Acc.", "withdrawn": "Wdr.",
             "fulfilled": "Ful."}
    from rich import box

    types = Table(title="By stakeholder type", title_justify="left", expand=False,
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    types.add_column("Stakeholder type", overflow="fold", max_width=30)
    for status in short.values():
        types.add_column(status, justify="right")
    types.add_column("Total", justify="right")
    # an amount folds onto a second line rather than lose its last digits to an ellipsis
    types.add_column("Cost 2021", justify="right", overflow="fold")
    for a in result.audiences:
        types.add_row(rich_literal(a.name),
                      *(str(a.statuses[s]) for s in short), str(a.total),
                      _amounts(a.costs, result.lang))
    if result.audiences:  # no empty table for an empty store
        out.print(types)
    regions = Table(title="By region (UN M.49)", title_justify="left", box=box.SIMPLE_HEAD,
                    padding=(0, 1))
    regions.add_column("Region")
    regions.add_column("Pledges", justify="right")
    regions.add_column("Countries and areas", overflow="fold")
    for r in result.regions:
        regions.add_row(rich_literal(r.name), str(r.total),
                        ", ".join(f"{rich_literal(r.country_names[c])} {n}"
                                  for c, n in r.countries.items()))
    if result.regions:
        out.print(regions)
    lights = ", ".join(f"{_light(k)} {n}" for k, n in result.indicators.items() if n)
    out.print(f"[bold]Indicators of active pledges[/]: {lights or 'none'}")
    costs = Table(title="Estimated costs per currency (never converted without --rates)",
                  title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1))
    costs.add_column("Currency", overflow="fold", max_width=22)
    costs.add_column("Pledges", justify="right")
    costs.add_column("2021", justify="right", overflow="fold")
    costs.add_column("Scaling 2022-2025", justify="right", overflow="fold")
    if result.base:
        costs.add_column(f"Both, in {result.base}", justify="right", overflow="fold")
    for c in result.costs:
        row = [f"{c.currency} {rich_literal(c.name)}", str(c.pledges),
               _amount(c.costs, c.currency, result.lang) if c.costs else "-",
               _amount(c.scaling, c.currency, result.lang) if c.scaling else "-"]
        if result.base:
            row.append("no rate" if c.in_base is None
                       else _amount(c.in_base, result.base, result.lang))
        costs.add_row(*row)
    if result.costs:
        out.print(costs)
    else:
        out.print("No estimated costs yet.")
    if result.base and result.total_in_base is not None:
        missing = (f" ({', '.join(result.unconverted)} without a rate, left out)"
                   if result.unconverted else "")
        out.print(f"Total in {result.base}: "
                  f"{_amount(result.total_in_base, result.base, result.lang)}{missing}")

"""``campaign calendar``: the year at a glance."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from campaign.cli.options import (
    console,
    filter_options,
    json_option,
    print_json,
    schedule_option,
    selection,
)


@click.command()
@schedule_option
@filter_options
@json_option
def calendar(schedule_path: Path | None, year: int | None, audiences: tuple[str, ...],
             languages: tuple[str, ...], networks: tuple[str, ...], months: tuple[str, ...],
             entries: tuple[str, ...], day: datetime | None, as_json: bool) -> None:
    """Show the year at a glance: each entry's date, time, audiences and title."""
    from campaign.cli.views import print_calendar
    from campaign.content import selection as posts
    from campaign.content.calendar import calendar_rows

    chosen = selection(audiences, languages, networks, months, entries, day)
    schedule = posts.load(schedule_path, year)
    occurrences = posts.occurrences(schedule, chosen)
    language = languages[0] if languages else schedule.campaign.languages[0]
    rows = calendar_rows(schedule, occurrences, language)
    if as_json:
        print_json(rows)
    else:
        print_calendar(console(), schedule, rows, language)

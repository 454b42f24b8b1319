"""``campaign story``: the December story of the year, one self-contained HTML page (see
campaign.reports.story and docs/story.md)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import click

from campaign.cli.options import console, db_option, open_pledges, schedule_option, today_option

LANGUAGES = ("fr", "en", "es")


@click.command()
@click.option("--out", "-o", "out", required=True, metavar="FILE.html",
              type=click.Path(path_type=Path, dir_okay=False),
              help="The page to write (replaced whole, or left as it was on failure).")
@click.option("--lang", "-l", "language", type=click.Choice(LANGUAGES), default=None,
              help="Language of the page (default: the campaign's first of fr, en, es).")
@schedule_option
@today_option
@db_option
def story(out: Path, language: str | None, schedule_path: Path | None, year: int | None,
          today: datetime | None, db_url: str | None) -> None:
    """Write the December story of the year: one page, month by month, offline.

    Each month from the calendar (January when it has entries, then February to December):
    its actions and observance days, a chart of the hashtag's use, the pledgers' most engaged
    posts and where the pledges stood; then the year's totals, reach and costs per currency.
    The page needs no network: no CDN, no request to any host.
    """
    from campaign.content.selection import load
    from campaign.reports.story import write_story
    from campaign.reports.story_labels import labels, number
    from campaign.text.escape import rich_literal

    schedule = load(schedule_path, year)
    language = language or next((lang for lang in schedule.campaign.languages
                                 if lang in LANGUAGES), "en")
    # --today is the day the story is written on: its months after it are still to come
    now = datetime.combine(today.date(), time(23, 59, 59), UTC) if today else None
    store = open_pledges(db_url)
    try:
        written = write_story(store, out, year=schedule.year, language=language,
                              schedule=schedule, now=now)
    finally:
        store.close()
    printer = console()
    words = labels(language)
    size = (words["kilobytes"].format(n=number(round(written.size / 1024), language))
            if written.size >= 1024 else words["bytes"].format(n=number(written.size, language)))
    path = f"[bold]{rich_literal(written.path)}[/bold]"
    printer.print("[green]✓[/green] " + words["cli_wrote"].format(path=path, size=size,
                                                                   language=language))
    printer.print("  " + words["cli_summary"].format(
        months=written.months, posts=number(written.posts, language),
        hashtag=rich_literal(schedule.campaign.hashtag), year=schedule.year))
    printer.print("  " + words["cli_offline"])
    if written.story.empty:
        printer.print(rich_literal(words["cli_empty"]), style="yellow")

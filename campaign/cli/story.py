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
    size = f"{written.size / 1024:,.0f} KB" if written.size >= 1024 else f"{written.size} B"
    printer.print(f"[green]✓[/green] Wrote [bold]{rich_literal(written.path)}[/bold] ({size}, "
                  f"{language})")
    printer.print(f"  {written.months} months, {written.posts:,} posts of "
                  f"{rich_literal(schedule.campaign.hashtag)} in {schedule.year}; it opens offline.")
    if written.story.empty:
        printer.print("No posts were collected for the year: the story tells the calendar and "
                      "the pledges. Collect with `campaign track`, then write it again.",
                      style="yellow")

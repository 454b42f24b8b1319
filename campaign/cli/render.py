"""``campaign render``: ready-to-share posts, each with its counted length."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from campaign.cli.options import (
    console,
    json_option,
    posts_options,
    print_json,
    selection,
    source,
)


@click.command()
@posts_options
@json_option
def render(schedule_path: Path | None, year: int | None, template_dirs: tuple[Path, ...],
           profile_path: Path | None, variables: tuple[str, ...], audiences: tuple[str, ...],
           languages: tuple[str, ...], networks: tuple[str, ...], months: tuple[str, ...],
           entries: tuple[str, ...], day: datetime | None, as_json: bool) -> None:
    """Print ready-to-share posts for a day, a month or an entry, with each post's length."""
    from campaign.cli.views import print_posts
    from campaign.content import selection as chosen_posts
    from campaign.exporters.jsonout import post_record

    chosen = selection(audiences, languages, networks, months, entries, day)
    renderer = chosen_posts.renderer(source(schedule_path, year, template_dirs, profile_path,
                                            variables))
    posts = chosen_posts.posts(renderer, chosen)
    if as_json:
        base = renderer.schedule.path.parent
        print_json([post_record(p, base) for p in posts])
    else:
        print_posts(console(), posts, renderer.schedule.campaign.timezone)

"""``campaign export``: posts as ICS, CSV (posts, Buffer, Hootsuite), JSON, JSONL, Markdown or HTML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from campaign.cli.options import (
    FormatChoice,
    media_url_option,
    posts_options,
    selection,
    source,
)


@click.command()
@posts_options
@click.option("--format", "-f", "fmt", required=True,
              type=FormatChoice(),
              help="Export format.")
@click.option("--out", "-o", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (replaced whole, never half-written).")
@click.option("--layout", type=click.Choice(["posts", "buffer", "hootsuite"]), default="posts",
              show_default=True, help="CSV column layout.")
@media_url_option
def export(schedule_path: Path | None, year: int | None, template_dirs: tuple[Path, ...],
           profile_path: Path | None, variables: tuple[str, ...], audiences: tuple[str, ...],
           languages: tuple[str, ...], networks: tuple[str, ...], months: tuple[str, ...],
           entries: tuple[str, ...], day: datetime | None, fmt: str, out: Path, layout: str,
           media_url: str | None) -> None:
    """Write posts as ICS, CSV (posts, Buffer, Hootsuite), JSON, JSONL, Markdown or HTML."""
    from campaign.content import selection as chosen_posts
    from campaign.exporters import write_posts
    from campaign.text.escape import terminal

    chosen = selection(audiences, languages, networks, months, entries, day)
    renderer = chosen_posts.renderer(source(schedule_path, year, template_dirs, profile_path,
                                            variables))
    posts = chosen_posts.posts(renderer, chosen)
    files = write_posts(fmt, posts, renderer.schedule, out, layout=layout, media_url=media_url,
                        locale=languages[0] if languages else "")
    click.echo(terminal(f"Wrote {len(posts)} posts to {', '.join(map(str, files))} ({fmt})."))

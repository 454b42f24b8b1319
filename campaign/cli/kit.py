"""``campaign kit``: everything to share the campaign, written into one folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from campaign.cli.options import (
    console,
    media_url_option,
    posts_options,
    selection,
    source,
)
from campaign.text.lines import print_trimmed


@click.command()
@posts_options
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("exports"), show_default=True, help="Folder to write the kit into.")
@media_url_option
def kit(schedule_path: Path | None, year: int | None, template_dirs: tuple[Path, ...],
        profile_path: Path | None, variables: tuple[str, ...], audiences: tuple[str, ...],
        languages: tuple[str, ...], networks: tuple[str, ...], months: tuple[str, ...],
        entries: tuple[str, ...], day: datetime | None, out_dir: Path,
        media_url: str | None) -> None:
    """Write a kit into a folder: share-kit pages, calendar, CSVs (Buffer, Hootsuite), JSON, Markdown."""
    from rich.table import Table

    from campaign.content import selection as chosen_posts
    from campaign.exporters.kit import UPLOAD_WARNING, write_kit
    from campaign.text.escape import rich_literal

    chosen = selection(audiences, languages, networks, months, entries, day)
    renderer = chosen_posts.renderer(source(schedule_path, year, template_dirs, profile_path,
                                            variables))
    out = console()
    hashtag = rich_literal(renderer.schedule.campaign.hashtag)
    with out.status(f"Rendering and writing the {hashtag} kit…"):
        posts = chosen_posts.posts(renderer, chosen)
        written = write_kit(renderer, out_dir, posts, locale=languages[0] if languages else "",
                            media_url=media_url)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for path, description in written:
        table.add_row(rich_literal(path.name + ("/" if path.is_dir() else "")),
                      rich_literal(description))
    print_trimmed(out, table)
    if any(path.name.startswith(("buffer-", "hootsuite-")) for path, _ in written):
        out.print(UPLOAD_WARNING, style="yellow")
    out.print(f"[green]✓[/green] {len(posts):,} posts of {hashtag} written to "
              f"[bold]{rich_literal(out_dir.resolve())}[/bold]: open "
              f"{rich_literal(written[0][0].name)} in a browser.")

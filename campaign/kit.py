"""The main job until the queue exists: the whole campaign's exports written into one folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from campaign.errors import ExportError
from campaign.exporters import export
from campaign.render import Post, Renderer

# (file name, format, options, description)
KIT: tuple[tuple[str, str, dict[str, str], str], ...] = (
    ("share-kit.html", "html", {}, "page to copy and share each post"),
    ("calendar.ics", "ics", {}, "calendar, one event per post"),
    ("posts.csv", "csv", {"layout": "posts"}, "every field of every post"),
    ("buffer-{network}.csv", "csv", {"layout": "buffer"}, "Buffer bulk upload"),
    ("hootsuite-{network}.csv", "csv", {"layout": "hootsuite"}, "Hootsuite bulk composer"),
    ("posts.json", "json", {}, "JSON, schema campaign-posts/1"),
    ("calendar.md", "markdown", {}, "the year in Markdown"),
)


HOOTSUITE_MAX_ROWS = 350


def write_kit(renderer: Renderer, out_dir: Path, posts: Sequence[Post] | None = None,
              ) -> list[tuple[Path, str]]:
    """Write each file of the kit from ``posts`` (default: every post of the schedule).

    Returns (path, description) pairs; a description warns when a file is over a tool's limit.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    schedule = renderer.schedule
    if posts is None:
        posts = list(renderer.posts(schedule.occurrences))
    written: list[tuple[Path, str]] = []
    for name, fmt, options, description in KIT:
        if "{network}" in name:
            for network in schedule.campaign.networks:
                subset = [p for p in posts if p.network == network]
                if not subset:
                    continue
                path = out_dir / name.format(network=network)
                export(fmt, subset, schedule, path, **options)
                rows = sum(len(p.parts) for p in subset)
                note = (f"; over Hootsuite's {HOOTSUITE_MAX_ROWS}: narrow with --audience/--lang"
                        if fmt == "csv" and options.get("layout") == "hootsuite"
                        and rows > HOOTSUITE_MAX_ROWS else "")
                written.append((path, f"{description}: {rows:,} rows{note}"))
        else:
            path = out_dir / name
            export(fmt, posts, schedule, path, **options)
            written.append((path, f"{description}: {len(posts):,} posts"))
    return written

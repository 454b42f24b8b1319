"""The main job until the queue exists: the whole campaign's exports written into one folder."""

from __future__ import annotations

from pathlib import Path

from campaign.errors import ExportError
from campaign.exporters import export
from campaign.render import Renderer

# (file name, format, options, description)
KIT = (
    ("share-kit.html", "html", {}, "share kit: every post with copy and share buttons"),
    ("calendar.ics", "ics", {}, "calendar: one event per post, for Outlook/Google/Apple"),
    ("posts.csv", "csv", {"layout": "posts"}, "every post with all its fields"),
    ("buffer-{network}.csv", "csv", {"layout": "buffer"}, "Buffer bulk upload, one per network"),
    ("hootsuite-{network}.csv", "csv", {"layout": "hootsuite"}, "Hootsuite bulk composer"),
    ("posts.json", "json", {}, "JSON document (schema campaign-posts/1)"),
    ("calendar.md", "markdown", {}, "the year as Markdown"),
)


def write_kit(renderer: Renderer, out_dir: Path) -> list[tuple[Path, str]]:
    """Render every post once and write each file of the kit; return (path, description) pairs."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    schedule = renderer.schedule
    posts = list(renderer.posts(schedule.occurrences))
    written: list[tuple[Path, str]] = []
    for name, fmt, options, description in KIT:
        if "{network}" in name:
            for network in schedule.campaign.networks:
                subset = [p for p in posts if p.network == network]
                path = out_dir / name.format(network=network)
                export(fmt, subset, schedule, path, **options)
                written.append((path, f"{description} ({len(subset)} posts)"))
        else:
            path = out_dir / name
            export(fmt, posts, schedule, path, **options)
            written.append((path, f"{description} ({len(posts)} posts)"))
    return written

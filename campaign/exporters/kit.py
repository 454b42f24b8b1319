"""The main job until the queue exists: the whole campaign's exports written into one folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from campaign.content.render import RenderedPost, Renderer
from campaign.errors import ExportError
from campaign.exporters import export
from campaign.exporters.images import IMAGE_FOLDER, check_media_url, post_image

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
UPLOAD_WARNING = ("The Buffer and Hootsuite files keep each text exactly as it is to be published: "
                  "upload them as they are; opening them in a spreadsheet is unsafe (use "
                  "posts.csv there).")


def write_kit(renderer: Renderer, out_dir: Path, posts: Sequence[RenderedPost] | None = None, *,
              locale: str = "", media_url: str | None = None) -> list[tuple[Path, str]]:
    """Write each file of the kit from ``posts`` (default: every post of the schedule).

    The share kit has one page per language, ``locale``'s first (see exporters/html.py);
    ``media_url`` is where the kit's images/ will be online, for Buffer's Image URL.
    Returns (path, description) pairs; a description warns when a file is over a tool's limit.
    """
    from campaign.exporters.html import language_name, plan_pages

    media_url = check_media_url(media_url)  # refused before anything is written
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    schedule = renderer.schedule
    if posts is None:
        posts = list(renderer.posts(schedule.occurrences))
    images = {str(image["path"]) for p in posts if (image := post_image(p)) is not None}
    written: list[tuple[Path, str]] = []
    for name, fmt, options, description in KIT:
        if fmt == "html":
            export(fmt, posts, schedule, out_dir / name, locale=locale)
            for page in plan_pages(posts, schedule, out_dir / name, locale=locale):
                written.append((page.path, f"{description} ({language_name(page.language)}): "
                                           f"{page.posts:,} posts"))
            if images:
                written.append((out_dir / IMAGE_FOLDER, f"{len(images):,} image"
                                f"{'s' if len(images) != 1 else ''} for the page and the uploads"))
        elif "{network}" in name:
            for network in schedule.campaign.networks:
                subset = [p for p in posts if p.network == network]
                if not subset:
                    continue
                path = out_dir / name.format(network=network)
                layout = options["layout"]
                export(fmt, subset, schedule, path, layout=layout,
                       **({"media_url": media_url} if layout == "buffer" else {}))
                rows = sum(len(p.parts) for p in subset)
                notes = []
                if layout == "hootsuite" and rows > HOOTSUITE_MAX_ROWS:
                    notes.append(f"over Hootsuite's {HOOTSUITE_MAX_ROWS}: narrow with "
                                 "--audience/--lang")
                if layout == "buffer" and not media_url and any(post_image(p) for p in subset):
                    notes.append("Image URL left empty: give --media-url")
                written.append((path, f"{description}: {rows:,} rows"
                                      + "".join(f"; {note}" for note in notes)))
        else:
            path = out_dir / name
            export(fmt, posts, schedule, path, **options)
            written.append((path, f"{description}: {len(posts):,} posts"))
    return written

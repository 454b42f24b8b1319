"""CSV exports: our own full layout, and the bulk-upload layouts of Buffer and Hootsuite.

Layouts (docs/export-formats.md says where each comes from):
- ``posts``: every field, one row per part, with a header; meant for spreadsheets, so every cell
  that a spreadsheet would run as a formula is guarded with a leading apostrophe;
- ``buffer``: Buffer's bulk-upload template, header ``Text,Image URL,Tags,Posting Time``,
  time as ``YYYY-MM-DD HH:MM`` in the post's timezone;
- ``hootsuite``: Hootsuite's bulk composer, no header, columns date ``DD/MM/YYYY HH:MM``,
  message, link.
The upload layouts keep every text exactly as it is to be published: those files go to an upload
form, which reads a cell as text and would publish the guard's apostrophe (a post starting with
"@user" or "-"); they are not to be opened in a spreadsheet.
Threads become one row per part, five minutes apart (Hootsuite only takes multiples of five); a
part's length and limit are its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from campaign.atomic import atomic_open
from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.errors import UsageError
from campaign.exporters.images import check_media_url, image_name, image_url, post_image
from campaign.text.measure import Measure, measure
from campaign.text.networks import NetworkLimits

LAYOUTS = ("posts", "buffer", "hootsuite")
# layouts read by an upload form rather than a spreadsheet: their cells are written as they are
POSTS_HEADER = ["key", "date", "time", "timezone", "due_utc", "network", "language", "audience",
                "entry", "title", "part", "text", "length", "limit", "image", "image_alt"]
BUFFER_HEADER = ["Text", "Image URL", "Tags", "Posting Time"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would otherwise run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _parts(post: RenderedPost, limits: NetworkLimits) -> Iterator[tuple[int, str, datetime, Measure]]:
    for index, part in enumerate(post.parts):
        counted = post.measure if len(post.parts) == 1 else measure(post.network, part, limits)
        yield index + 1, part, post.due + timedelta(minutes=5 * index), counted


def _rows(posts: Sequence[RenderedPost], schedule: Schedule, layout: str,
          media_url: str | None) -> Iterator[list[str]]:
    limits = NetworkLimits(mastodon_characters=schedule.campaign.mastodon_characters)
    base = schedule.path.parent
    if layout == "posts":
        yield POSTS_HEADER
    elif layout == "buffer":
        yield BUFFER_HEADER
    for post in posts:
        image = post_image(post)
        name = image_name(image, base) if image is not None else ""
        for number, text, when, counted in _parts(post, limits):
            # the image goes with the first part, as the publishers post it
            first = number == 1 and image is not None
            if layout == "posts":
                row: list[object] = [
                    post.key, when.date().isoformat(), when.strftime("%H:%M"), post.timezone,
                    when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), post.network,
                    post.language, post.audience, post.entry_id, post.title,
                    f"{number}/{len(post.parts)}", text, counted.length, counted.limit,
                    name if first else "", image.get("alt", "") if first and image else "",
                ]
                yield [safe_cell(cell) for cell in row]
            elif layout == "buffer":
                url = image_url(media_url, name) if first and media_url else ""
                yield [text, url, f"{post.entry_id},{post.language}", when.strftime("%Y-%m-%d %H:%M")]
            else:
                yield [when.strftime("%d/%m/%Y %H:%M"), text, ""]


def write_csv(posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *, layout: str = "posts",
              media_url: str | None = None) -> None:
    """Write ``posts`` as CSV in one of LAYOUTS; ``media_url`` fills Buffer's Image URL."""
    if layout not in LAYOUTS:
        raise UsageError("CSV layout", layout, LAYOUTS)
    base_url = check_media_url(media_url)
    with atomic_open(out, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(_rows(posts, schedule, layout, base_url))

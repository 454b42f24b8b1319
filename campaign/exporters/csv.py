"""CSV exports: our own full layout, and the bulk-upload layouts of Buffer and Hootsuite.

Layouts (docs/export-formats.md says where each comes from):
- ``posts``: every field, one row per post, with a header;
- ``buffer``: Buffer's bulk-upload template, header ``Text,Image URL,Tags,Posting Time``,
  time as ``YYYY-MM-DD HH:MM`` in the post's timezone;
- ``hootsuite``: Hootsuite's bulk composer, no header, columns date ``DD/MM/YYYY HH:MM``,
  message, link.
Threads become one row per part, five minutes apart (Hootsuite only takes multiples of five).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from campaign.atomic import atomic_open
from campaign.errors import UsageError
from campaign.render import Post
from campaign.schedule import Schedule

LAYOUTS = ("posts", "buffer", "hootsuite")
POSTS_HEADER = ["key", "date", "time", "timezone", "due_utc", "network", "language", "audience",
                "entry", "title", "part", "text", "length", "limit"]
BUFFER_HEADER = ["Text", "Image URL", "Tags", "Posting Time"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would otherwise run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _parts(post: Post) -> Iterator[tuple[int, str, datetime]]:
    for index, part in enumerate(post.parts):
        yield index + 1, part, post.due + timedelta(minutes=5 * index)


def _rows(posts: Sequence[Post], layout: str) -> Iterator[list[str]]:
    if layout == "posts":
        yield POSTS_HEADER
    elif layout == "buffer":
        yield BUFFER_HEADER
    for post in posts:
        for number, text, when in _parts(post):
            if layout == "posts":
                row: list[object] = [
                    post.key, when.date().isoformat(), when.strftime("%H:%M"), post.timezone,
                    when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), post.network,
                    post.language, post.audience, post.entry_id, post.title,
                    f"{number}/{len(post.parts)}", text, post.measure.length, post.measure.limit,
                ]
            elif layout == "buffer":
                row = [text, "", f"{post.entry_id},{post.language}", when.strftime("%Y-%m-%d %H:%M")]
            else:
                row = [when.strftime("%d/%m/%Y %H:%M"), text, ""]
            yield [safe_cell(cell) for cell in row]


def write_csv(posts: Sequence[Post], schedule: Schedule, out: Path, *, layout: str = "posts") -> None:
    """Write ``posts`` as CSV in one of LAYOUTS."""
    if layout not in LAYOUTS:
        raise UsageError("CSV layout", layout, LAYOUTS)
    with atomic_open(out, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(_rows(posts, layout))

"""Exports of rendered posts: calendar (ICS), bulk-upload CSV, JSON, Markdown and an HTML share kit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from campaign.content.render import Post
from campaign.content.schedule import Schedule

Exporter = Callable[..., None]
FORMATS = ("ics", "csv", "json", "jsonl", "markdown", "html")
SUFFIXES = {"ics": ".ics", "csv": ".csv", "json": ".json", "jsonl": ".jsonl",
            "markdown": ".md", "html": ".html"}


def export(fmt: str, posts: Sequence[Post], schedule: Schedule, out: Path, **options: Any) -> None:
    """Write ``posts`` to ``out`` in format ``fmt``; the file appears whole or not at all."""
    if fmt == "ics":
        from campaign.exporters.ics import write_ics as writer
    elif fmt == "csv":
        from campaign.exporters.csv import write_csv as writer
    elif fmt in ("json", "jsonl"):
        from campaign.exporters.jsonout import write_json as writer

        options["lines"] = fmt == "jsonl"
    elif fmt == "markdown":
        from campaign.exporters.markdown import write_markdown as writer
    elif fmt == "html":
        from campaign.exporters.html import write_html as writer
    else:
        from campaign.errors import UsageError

        raise UsageError("export format", fmt, FORMATS)
    writer(posts, schedule, Path(out), **options)

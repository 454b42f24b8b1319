"""JSON and JSON Lines exports; the shape is documented in docs/export-formats.md."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from campaign import __version__
from campaign.atomic import atomic_open
from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.exporters.images import media_records

SCHEMA = "campaign-posts/1"


def post_record(post: RenderedPost, base: Path | None = None) -> dict[str, Any]:
    """One post as plain JSON data (also used by ``render --json``).

    ``media`` names each image by its path relative to ``base`` (the schedule's folder), never by
    a path of this machine; without ``base``, by its file name.
    """
    record: dict[str, Any] = {
        "key": post.key,
        "campaign": post.campaign,
        "entry": post.entry_id,
        "kind": post.kind,
        "part": post.part,
        "title": post.title,
        "audience": post.audience,
        "language": post.language,
        "network": post.network,
        "due": post.due.isoformat(),
        "due_utc": post.due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": post.timezone,
        "day_bound": post.day_bound,
        "template": post.template,
        "text": post.text,
        "parts": list(post.parts),
        "length": post.measure.length,
        "limit": post.measure.limit,
        "unit": post.measure.unit,
        "media": media_records(post, base),
    }
    if post.network == "bluesky":
        from campaign.text.facets import facets_to_atproto

        record["facets"] = [facets_to_atproto(f) for f in post.facets()]
    return record


def write_json(posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *, lines: bool = False) -> None:
    """Write a JSON document (campaign + posts) or JSON Lines (one post per line)."""
    base = schedule.path.parent
    with atomic_open(out) as handle:
        if lines:
            for post in posts:
                handle.write(json.dumps(post_record(post, base), ensure_ascii=False) + "\n")
            return
        document = {
            "schema": SCHEMA,
            "generator": f"campaign {__version__}",
            "campaign": schedule.campaign.model_dump(mode="json"),
            "posts": [post_record(p, base) for p in posts],
        }
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")

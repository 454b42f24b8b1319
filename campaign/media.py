"""Images attached to posts: what each network needs to know about one (type, size, shape)."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from campaign.errors import CampaignError

# the smallest of the networks' limits, so one file goes everywhere: Bluesky takes 1,000,000 bytes
MAX_BYTES = 1_000_000
TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class MediaError(CampaignError):
    """An image that cannot be posted: missing, of an unknown type, or too large."""


@lru_cache(maxsize=64)  # one look per image, however many posts show it
def describe_image(path: Path) -> dict[str, Any]:
    """Path, MIME type, width and height of an image every network accepts, or MediaError."""
    import imagesize

    try:
        size = path.stat().st_size
    except OSError:
        raise MediaError(f"image '{path.name}' does not exist (looked for {path}; the path is "
                         "relative to the schedule file)") from None
    mime = mimetypes.guess_type(path.name)[0]
    if mime not in TYPES:
        raise MediaError(f"image '{path.name}' is not a PNG, JPEG, GIF or WebP file")
    if size > MAX_BYTES:
        raise MediaError(f"image '{path.name}' is {size:,} bytes; Bluesky takes at most "
                         f"{MAX_BYTES:,}: make it smaller")
    width, height = imagesize.get(str(path))
    if width <= 0 or height <= 0:
        raise MediaError(f"image '{path.name}' cannot be read as {mime}: is the file damaged?")
    return {"type": "image", "path": str(path.resolve()), "mime": mime, "width": width,
            "height": height}

"""The built-in networks, their display names and their limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

NETWORKS = ("x", "bluesky", "mastodon")
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
# what a reader does not see: spaces, soft hyphens, zero-width and direction marks
_VISIBLE = re.compile(r"[^\s\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace or invisible characters."""
    return _VISIBLE.search(text) is None


@dataclass(frozen=True)
class NetworkLimits:
    """Per-network limits; the defaults are the real networks' values."""

    x_limit: int = 280
    bluesky_graphemes: int = 300
    bluesky_bytes: int = 3000
    mastodon_characters: int = 500
    mastodon_url_length: int = 23


DEFAULT_LIMITS = NetworkLimits()

"""The sources a secretariat collects from, and the collector each kind of source is built with.

A source is one place posts are read from: X's recent search on one API host, one Mastodon
instance's tag timelines, a Bluesky appview's search, a PDS's or relay's firehose, a Jetstream
host. Kinds are registered by name (module and class, imported when used, so ``campaign --help``
loads no network library), not chosen by if/elif.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from campaign.errors import UsageError
from campaign.platforms.credentials import Secrets
from campaign.tracking.collect import Source

# kind -> (network, "module:Class"); the class is called with the SourceSpec
COLLECTORS: dict[str, tuple[str, str]] = {
    "x-search": ("x", "campaign.platforms.x.collector:SearchRecent"),
    "mastodon-tags": ("mastodon", "campaign.platforms.mastodon.collector:TagTimelines"),
    "bluesky-search": ("bluesky", "campaign.platforms.bluesky.search:SearchPosts"),
    "bluesky-firehose": ("bluesky", "campaign.platforms.bluesky.firehose:Firehose"),
    "bluesky-jetstream": ("bluesky", "campaign.platforms.bluesky.jetstream:Jetstream"),
}


@dataclass(frozen=True)
class SourceSpec:
    """Everything a collector needs to be built: where, what, and with which secrets."""

    kind: str  # a key of COLLECTORS
    base_url: str  # API host, instance, appview, or ws(s):// stream URL
    tags: tuple[str, ...]  # normalised (records.normalise_tag): no '#', case-folded
    name: str = ""  # the source's id; default_name(kind, base_url) when empty
    secrets: Secrets | None = None  # None: no credentials (a public timeline, a stream)
    handle: str = ""  # who signs in (Bluesky search: createSession's identifier)
    timeout: float = 30.0
    # on a first run (no checkpoint) nothing older is read; later runs go on from the checkpoint
    since: datetime | None = None
    every: timedelta | None = None  # `track run`: how often
    max_posts: int | None = None  # per run
    options: dict[str, Any] = field(default_factory=dict)  # kind-specific (a search window...)

    @property
    def network(self) -> str:
        """The network this kind of source reads."""
        return COLLECTORS[self.kind][0]

    @property
    def source_name(self) -> str:
        """The id checkpoints and runs are kept under."""
        return self.name or default_name(self.kind, self.base_url)


def default_name(kind: str, base_url: str) -> str:
    """``kind:base_url`` without a trailing slash: one checkpoint set per host."""
    return f"{kind}:{base_url.rstrip('/')}"


def build(spec: SourceSpec) -> Source:
    """The collector of a source, its module imported now."""
    if spec.kind not in COLLECTORS:
        raise UsageError("kind of source", spec.kind, sorted(COLLECTORS))
    module_name, attribute = COLLECTORS[spec.kind][1].split(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    source: Source = factory(spec)
    return source

"""The counted length of a post on each network, its limit, and whether it can be posted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from campaign.text.graphemes import grapheme_length, utf8_length
from campaign.text.networks import DEFAULT_LIMITS, NETWORKS, NetworkLimits
from campaign.text.urls import replace_scheme_urls
from campaign.text.xweight import x_weighted_length


@dataclass(frozen=True)
class Measure:
    """The counted length of a text on one network, its limit, and whether it can be posted."""

    network: str
    length: int
    limit: int
    fits: bool
    unit: str


_MEASURES_MADE: dict[tuple[str, int, int, bool], Measure] = {}


def _measure(network: str, length: int, limit: int, fits: bool, unit: str) -> Measure:
    # Measures are frozen, so equal ones can be shared rather than built again for every post.
    made = _MEASURES_MADE.get(key := (network, length, limit, fits))
    if made is None:
        if len(_MEASURES_MADE) >= 4096:
            _MEASURES_MADE.clear()
        made = _MEASURES_MADE[key] = Measure(network, length, limit, fits, unit)
    return made


def measure_x(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for X; like twitter-text, empty text or U+FFFE/FEFF/FFFF never fits."""
    length = x_weighted_length(text)
    limit = limits.x_limit
    fits = 0 < length <= limit and (
        text.isascii() or not ("\ufffe" in text or "\ufeff" in text or "\uffff" in text)
    )
    return _measure("x", length, limit, fits, "weighted characters")


def measure_bluesky(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for Bluesky: graphemes within the limit and UTF-8 bytes within theirs."""
    length = grapheme_length(text)
    limit = limits.bluesky_graphemes
    # UTF-8 takes at most 4 bytes per code point, so short texts need no encoding.
    size_ok = len(text) * 4 <= limits.bluesky_bytes or utf8_length(text) <= limits.bluesky_bytes
    return _measure("bluesky", length, limit, length <= limit and size_ok, "graphemes")


# Mastodon's Account::MENTION_RE: only the local '@user' of '@user@domain' counts.
_MASTODON_MENTION = re.compile(
    r"(?<![=/\w])@([a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?"
)


def measure_mastodon(text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` for Mastodon: graphemes, every http(s) URL as 23, remote mentions local."""
    counted = text
    if "://" in counted:  # Mastodon links only URLs with a scheme: bare domains are plain text
        counted = replace_scheme_urls(counted, limits.mastodon_url_length)
    if "@" in counted:
        counted = _MASTODON_MENTION.sub(r"@\1", counted)
    length = grapheme_length(counted)
    limit = limits.mastodon_characters
    return _measure("mastodon", length, limit, length <= limit, "characters")


Rule = Callable[[str, NetworkLimits], Measure]
_MEASURES: dict[str, Rule] = {"x": measure_x, "bluesky": measure_bluesky,
                              "mastodon": measure_mastodon}


def add_rule(network: str, rule: Rule) -> None:
    """Measure (and split into threads) the posts of ``network``, one a plugin adds, with ``rule``;
    the platform registry calls it when it loads the plugin (a built-in rule is never replaced)."""
    _MEASURES.setdefault(network, rule)


def measure(network: str, text: str, limits: NetworkLimits = DEFAULT_LIMITS) -> Measure:
    """Measure ``text`` with the rule of ``network`` (one of :data:`NETWORKS`)."""
    rule = _MEASURES.get(network)
    if rule is None:
        raise ValueError(f"unknown network {network!r}; choose one of: {', '.join(NETWORKS)}")
    return rule(text, limits)

"""How a post will look on its network before it goes out: each part's text cut into segments
(plain text, hashtags, mentions and links, each with the address the network will give it),
its counted length against the network's limit, and the image with its alt text.

Counting is the networks' own rules (:mod:`campaign.text.measure`); links are found as each
network finds them (twitter-text's URLs on X, only http(s) URLs on Mastodon, Bluesky's facets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from campaign.text.facets import bluesky_facets
from campaign.text.measure import measure
from campaign.text.networks import DEFAULT_LIMITS, NetworkLimits
from campaign.text.urls import x_url_spans

# X and Mastodon take a hashtag as '#' (not inside a word) and word characters, not digits
# alone; a mention as '@' and a handle (Mastodon: '@user' or '@user@domain')
_TAG = re.compile(r"(?<![\w&/#])[#＃](\w*[^\W\d]\w*)")
_X_MENTION = re.compile(r"(?<![\w@])[@＠](\w{1,15})(?![\w@])")
_MASTODON_MENTION = re.compile(
    r"(?<![=/\w@])@([a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(?:@([\w-]+(?:\.[\w-]+)+))?")


@dataclass(frozen=True)
class Segment:
    """A run of one part's text: plain ``text``, or a ``tag``, ``mention`` or ``link`` with the
    address it will open on the network (``href``; empty when the network gives it none)."""

    kind: str
    text: str
    href: str = ""


@dataclass(frozen=True)
class PartPreview:
    """One post of a thread: its segments, its counted length and the network's limit."""

    number: int
    total: int
    segments: tuple[Segment, ...]
    length: int
    limit: int
    unit: str
    over: bool  # it does not fit: the network would refuse it


@dataclass(frozen=True)
class ImagePreview:
    """An image of the post and the alt text screen readers will read."""

    index: int
    alt: str
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class CardPreview:
    """The link card the post shows under its first part."""

    uri: str
    title: str
    description: str


@dataclass(frozen=True)
class Preview:
    """A post as its network will show it."""

    network: str
    parts: tuple[PartPreview, ...]
    images: tuple[ImagePreview, ...]
    card: CardPreview | None

    @property
    def over(self) -> bool:
        """Whether some part is over the network's limit."""
        return any(p.over for p in self.parts)


def _https(url: str) -> str:
    """A link as the network opens it: a bare domain gets https://."""
    return url if re.match(r"(?i)https?://", url) else "https://" + url


def _x_spans(text: str) -> list[tuple[int, int, str, str]]:
    spans = [(s, e, "link", _https(text[s:e])) for s, e in x_url_spans(text)] if "." in text else []
    spans += [(m.start(), m.end(), "tag", f"https://x.com/hashtag/{quote(m.group(1))}")
              for m in _TAG.finditer(text)]
    spans += [(m.start(), m.end(), "mention", f"https://x.com/{quote(m.group(1))}")
              for m in _X_MENTION.finditer(text)]
    return spans


def _mastodon_spans(text: str, home: str) -> list[tuple[int, int, str, str]]:
    # Mastodon links only URLs with a scheme: a bare domain stays text
    spans = [(s, e, "link", text[s:e]) for s, e in x_url_spans(text)
             if re.match(r"(?i)https?://", text[s:e])] if "://" in text else []
    home = home.rstrip("/")
    spans += [(m.start(), m.end(), "tag", f"{home}/tags/{quote(m.group(1))}" if home else "")
              for m in _TAG.finditer(text)]
    for m in _MASTODON_MENTION.finditer(text):
        user, domain = m.group(1), m.group(2)
        href = f"https://{domain}/@{quote(user)}" if domain else (f"{home}/@{quote(user)}"
                                                                  if home else "")
        spans.append((m.start(), m.end(), "mention", href))
    return spans


def _bluesky_spans(text: str) -> list[tuple[int, int, str, str]]:
    facets = bluesky_facets(text)
    if not facets:
        return []
    # facets address UTF-8 bytes: map each byte offset back to its character
    offsets: dict[int, int] = {}
    position = 0
    for index, char in enumerate(text):
        offsets[position] = index
        position += len(char.encode("utf-8"))
    offsets[position] = len(text)
    hrefs = {"tag": "https://bsky.app/hashtag/", "mention": "https://bsky.app/profile/"}
    return [(offsets[f.byte_start], offsets[f.byte_end], f.kind,
             hrefs[f.kind] + quote(f.value) if f.kind in hrefs else f.value) for f in facets]


def segments(network: str, text: str, home: str = "") -> tuple[Segment, ...]:
    """``text`` cut into plain runs, hashtags, mentions and links as ``network`` finds them;
    ``home`` is a Mastodon account's instance (its hashtags and local mentions open there)."""
    if network == "bluesky":
        spans = _bluesky_spans(text)
    elif network == "mastodon":
        spans = _mastodon_spans(text, home)
    else:
        spans = _x_spans(text)
    found: list[Segment] = []
    last = 0
    for start, end, kind, href in sorted(spans):
        if start < last:
            continue  # overlapping (a '#' inside a link): the earlier one wins, as networks do
        if start > last:
            found.append(Segment("text", text[last:start]))
        found.append(Segment(kind, text[start:end], href))
        last = end
    if last < len(text):
        found.append(Segment("text", text[last:]))
    return tuple(found)


def preview(network: str, parts: Sequence[str], media: Sequence[Mapping[str, Any]] = (), *,
            limits: NetworkLimits = DEFAULT_LIMITS, home: str = "") -> Preview:
    """How the post of ``parts`` (a thread when more than one) and ``media`` (its images and
    link card, as queued) will show on ``network``."""
    total = len(parts)
    shown: list[PartPreview] = []
    for number, part in enumerate(parts, 1):
        counted = measure(network, part, limits)
        shown.append(PartPreview(number=number, total=total, segments=segments(network, part, home),
                                 length=counted.length, limit=counted.limit, unit=counted.unit,
                                 over=not counted.fits))
    images: list[ImagePreview] = []
    card = None
    for index, item in enumerate(media):
        if item.get("type") == "card":
            card = CardPreview(uri=str(item.get("uri", "")), title=str(item.get("title", "")),
                               description=str(item.get("description", "")))
        else:
            images.append(ImagePreview(index=index, alt=str(item.get("alt", "")),
                                       mime=str(item.get("mime", "")),
                                       width=int(item.get("width") or 0),
                                       height=int(item.get("height") or 0)))
    return Preview(network=network, parts=tuple(shown), images=tuple(images), card=card)

"""An observed post as every collector and importer hands it to the store, whatever its network.

Each network's ``parse`` module (``campaign.platforms.<network>.parse``) turns what its API or
archive says into these values; the store never looks at a network's own JSON except to keep it
whole in ``raw`` for later re-parsing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any


class PostKind(StrEnum):
    """What a post is to the conversation: its own words, an answer, a share, a share with words."""

    ORIGINAL = "original"
    REPLY = "reply"
    REPOST = "repost"
    QUOTE = "quote"


POST_KINDS = tuple(k.value for k in PostKind)


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post, as the network said when it was read.

    ``author_id`` is the stable id the matching uses: X's numeric user id, Bluesky's DID,
    Mastodon's ``user@instance`` (domain case-folded, see :func:`mastodon_acct`). ``handle`` is
    what people see and may change (X username, Bluesky handle, Mastodon ``user@instance``).
    Counts are None when the source did not say them (a Jetstream event carries none).
    """

    network: str
    author_id: str
    handle: str = ""
    display_name: str = ""
    url: str = ""
    followers: int | None = None
    following: int | None = None
    posts: int | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """A link from a post to another: the post it answers, shares or quotes (its network id)."""

    kind: PostKind  # REPLY, REPOST or QUOTE
    target_id: str  # the target's remote_id as its Observation would have it


@dataclass(frozen=True, slots=True)
class Observation:
    """One post someone made, as read from one source at ``read_at``.

    ``remote_id`` is the post's identity on its network, the same whoever saw it: X's tweet id,
    Bluesky's ``at://`` URI, Mastodon's ActivityPub ``uri`` (a status seen by three instances
    has three local ids and one ``uri``, so it is stored once).
    """

    network: str
    remote_id: str
    author: Author
    created_at: datetime  # aware UTC
    text: str
    read_at: datetime  # aware UTC: when the metrics below were true
    kind: PostKind = PostKind.ORIGINAL
    url: str = ""  # where a person opens it in a browser
    uri: str = ""  # the network's own address (at:// URI, ActivityPub id); '' on X
    language: str = ""  # as the network or the author says ('' when unknown, 'und' kept)
    hashtags: tuple[str, ...] = ()  # normalised with normalise_tag, in order, no repeats
    mentions: tuple[str, ...] = ()  # handles or ids as the network gives them
    links: tuple[str, ...] = ()  # expanded URLs where the network gives them
    relations: tuple[Relation, ...] = ()
    # public counts as read: likes, reposts, replies, quotes, and impressions where the network
    # reports them (X's impression_count); a missing key means not said, not zero
    metrics: dict[str, int] = field(default_factory=dict)
    raw: Any = None  # the record as received (JSON-able), kept for re-parsing


METRICS = ("likes", "reposts", "replies", "quotes", "impressions")


@dataclass(frozen=True, slots=True)
class Page:
    """What a source read in one step: posts to store, and the checkpoint that is true once
    they are stored (saved in the same transaction, so a kill never loses or doubles a post).

    ``checkpoint`` is ``(stream, state)``: the stream within the source (a tag, an instance and
    tag, a firehose host) and a JSON-able state the source gets back to resume. ``read`` counts
    what the API returned and billed (X bills every post a read returns, stored or not); ``bad``
    counts records or lines that could not be read, with ``problems`` saying the first few.
    """

    posts: list[Observation]
    checkpoint: tuple[str, dict[str, Any]] | None = None
    read: int = 0
    bad: int = 0
    problems: tuple[str, ...] = ()
    # a source that knows how much is left (an archive's bytes) says so for the progress bar
    done: int | None = None
    total: int | None = None


# -- hashtags ---------------------------------------------------------------------------------

def normalise_tag(tag: str) -> str:
    """A hashtag as stored and compared: no '#', Unicode NFKC, case-folded (so #EndChildLabour2021,
    #endchildlabour2021 and the full-width #ＥｎｄＣｈｉｌｄＬａｂｏｕｒ2021 are one)."""
    return unicodedata.normalize("NFKC", tag.lstrip("#＃")).casefold()


# A hashtag in text, as the networks link them: '#' (or the full-width '＃') not after a letter,
# mark, digit, '&' or '/' (so 'a#b', '&#39;' and URLs' fragments are not tags), then letters,
# marks, digits, '_' and the joiners, with at least one letter or mark (#2021 and #_ alone are no
# tags on any network). Marks (\p{M}) belong to the word as X's \p{M}, Mastodon's [[:word:]] and
# Bluesky's run to the next space have them: without them #बालश्रम would end at its virama.
_TAG_PATTERN = (r"(?<![\p{L}\p{M}\p{Nd}_&/#＃])[#＃]([\p{L}\p{M}\p{Nd}_\u200c\u200d]+)")
MAX_TAG = 100  # longer runs are not hashtags any network links (X: 100, Bluesky: 64 graphemes)


@lru_cache(maxsize=1)
def _tag_patterns() -> tuple[Any, Any]:
    import regex  # \p{...} classes; imported on first use, for start-up time

    return regex.compile(_TAG_PATTERN), regex.compile(r"[\p{L}\p{M}]")


def tags_in_text(text: str) -> tuple[str, ...]:
    """The hashtags written in ``text``, normalised, in order of first use, each once."""
    if "#" not in text and "＃" not in text:
        return ()
    tag, wordy = _tag_patterns()
    return unique(normalise_tag(m) for m in tag.findall(text)
                  if len(m) <= MAX_TAG and wordy.search(m))


def is_tag(tag: str) -> bool:
    """True when ``tag`` (normalised, no '#') is a hashtag the networks would link."""
    return len(tag) <= MAX_TAG and tags_in_text("#" + tag) == (tag,)


def unique(tags: Iterable[str]) -> tuple[str, ...]:
    """``tags`` in order of first appearance, each once, empty ones dropped."""
    return tuple(dict.fromkeys(t for t in tags if t))


def mastodon_acct(acct: str, instance: str = "") -> str:
    """A Mastodon account as ``user@instance`` with the domain case-folded: an ``acct`` local to
    the instance that served it (``alice``) gets that instance's domain."""
    user, _, domain = acct.lstrip("@").partition("@")
    if not domain and instance:
        domain = re.sub(r"^https?://", "", instance).split("/", 1)[0]
    return f"{user}@{domain.casefold()}" if domain else user

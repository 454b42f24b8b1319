"""X API v2 tweets as :class:`~campaign.tracking.records.Observation` values.

One parser for everything that carries X's v2 JSON: a ``search/recent`` page read by the
collector, a twarc2 archive line (a search page with ``data``, ``includes`` and ``meta``, or a
stream line whose ``data`` is one tweet). Only the tweets of ``data`` are posts; the tweets of
``includes.tweets`` are what they retweet, quote or answer, and become relations.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from campaign.tracking.records import (
    Author,
    Observation,
    Page,
    PostKind,
    Relation,
    normalise_tag,
    tags_in_text,
    unique,
)

NETWORK = "x"
WEB = "https://x.com"

# referenced_tweets[].type -> the relation; a retweet says more about a post than a quote, and a
# quote more than a reply (a quote may also answer someone)
_KINDS = {"retweeted": PostKind.REPOST, "quoted": PostKind.QUOTE, "replied_to": PostKind.REPLY}
_PRECEDENCE = (PostKind.REPOST, PostKind.QUOTE, PostKind.REPLY)
# public_metrics key -> our METRICS key; impression_count only on tweets since late 2022
_METRICS = {"like_count": "likes", "retweet_count": "reposts", "reply_count": "replies",
            "quote_count": "quotes", "impression_count": "impressions"}

# an archive names the same few hashtags a million times: each normalised once
_normalise = lru_cache(maxsize=8192)(normalise_tag)

__all__ = ["TweetError", "as_page", "page_posts", "tweet_post", "users_by_id"]


class TweetError(ValueError):
    """A tweet object that cannot be read as a post (no id, no time, not an object)."""


def users_by_id(page: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The ``includes.users`` of a response, by user id."""
    includes = page.get("includes")
    users = includes.get("users") if isinstance(includes, Mapping) else None
    if not isinstance(users, list):
        return {}
    return {str(u["id"]): u for u in users if isinstance(u, Mapping) and u.get("id")}


def page_posts(page: Mapping[str, Any], *, read_at: datetime
               ) -> tuple[list[Observation], list[str]]:
    """The posts of one v2 response's ``data`` (a list, or one tweet on a stream line), and a
    problem sentence for each tweet that could not be read (the others are still returned)."""
    data = page.get("data")
    if data is None:
        return [], []
    tweets = [data] if isinstance(data, Mapping) else data
    if not isinstance(tweets, list):
        return [], [f"'data' is a {type(data).__name__}, not a list of tweets"]
    users = users_by_id(page)
    authors: dict[str, Author] = {}  # a page's authors post many of its tweets: built once
    posts: list[Observation] = []
    problems: list[str] = []
    for index, tweet in enumerate(tweets):
        try:
            posts.append(_tweet_post(tweet, users, read_at, authors))
        except TweetError as exc:
            problems.append(f"tweet {index + 1} of 'data': {exc}")
    return posts, problems


def tweet_post(tweet: Any, users: Mapping[str, Mapping[str, Any]], *,
               read_at: datetime) -> Observation:
    """One v2 tweet object as an observed post, its author from ``users`` (``includes.users``
    by id); raises :class:`TweetError` for an object that is not a readable tweet."""
    return _tweet_post(tweet, users, read_at, {})


def _tweet_post(tweet: Any, users: Mapping[str, Mapping[str, Any]], read_at: datetime,
                authors: dict[str, Author]) -> Observation:
    if not isinstance(tweet, Mapping):
        raise TweetError(f"a {type(tweet).__name__}, not a tweet object")
    if "tweet_count" in tweet and "id" not in tweet:
        raise TweetError("a count bucket (tweet_count), not a tweet: is this a counts file?")
    tweet_id = str(tweet.get("id") or "")
    if not tweet_id.isdigit():
        raise TweetError(f"no numeric 'id' ({_short(tweet.get('id'))})")
    created_at = _time(tweet.get("created_at"), tweet_id)
    text = tweet.get("text")
    text = text if isinstance(text, str) else ""
    author_id = str(tweet.get("author_id") or "")
    user = users.get(author_id) or {}
    username = str(user.get("username") or "")
    entities = _mapping(tweet.get("entities"))
    kind, relations = _relations(tweet.get("referenced_tweets"), tweet_id)
    author = authors.get(author_id)
    if author is None:
        author = authors[author_id] = _author(author_id, user)
    return Observation(
        network=NETWORK, remote_id=tweet_id, author=author,
        created_at=created_at, text=text, read_at=read_at, kind=kind,
        url=f"{WEB}/{username}/status/{tweet_id}" if username else f"{WEB}/i/web/status/{tweet_id}",
        language=str(tweet.get("lang") or ""),
        # X's own entities when the tweet has them: they are X's reading of this very text,
        # and a retweet's text cut mid-word ("RT @u: ... #EndChildLab…") must not make a tag
        # of the piece; the text only for a tweet read without entities
        hashtags=unique(_normalise(str(h.get("tag") or ""))
                        for h in _items(entities.get("hashtags"))) if "entities" in tweet
        else tags_in_text(text),
        mentions=unique(str(m.get("username") or "") for m in _items(entities.get("mentions"))),
        links=unique(str(u.get("expanded_url") or u.get("url") or "")
                     for u in _items(entities.get("urls"))),
        relations=relations, metrics=_metrics(tweet.get("public_metrics")), raw=dict(tweet))


def _author(author_id: str, user: Mapping[str, Any]) -> Author:
    counts = _mapping(user.get("public_metrics"))
    username = str(user.get("username") or "")
    return Author(NETWORK, author_id, handle=username, display_name=str(user.get("name") or ""),
                  url=f"{WEB}/{username}" if username else "",
                  followers=_count(counts.get("followers_count")),
                  following=_count(counts.get("following_count")),
                  posts=_count(counts.get("tweet_count")))


def _relations(references: Any, tweet_id: str) -> tuple[PostKind, tuple[Relation, ...]]:
    relations = tuple(
        Relation(_KINDS[str(r.get("type"))], str(r["id"])) for r in _items(references)
        if str(r.get("type")) in _KINDS and str(r.get("id") or "").isdigit()
        and str(r["id"]) != tweet_id)
    kinds = {r.kind for r in relations}
    kind = next((k for k in _PRECEDENCE if k in kinds), PostKind.ORIGINAL)
    return kind, tuple(dict.fromkeys(relations))


def _metrics(public: Any) -> dict[str, int]:
    counts = _mapping(public)
    return {ours: value for theirs, ours in _METRICS.items()
            if (value := _count(counts.get(theirs))) is not None}


def _time(value: Any, tweet_id: str) -> datetime:
    """X writes ``2021-05-18T19:24:56.000Z``; anything else readable as ISO 8601 is accepted."""
    if not isinstance(value, str) or not value:
        raise TweetError(f"tweet {tweet_id} has no 'created_at' (ask for tweet.fields=created_at)")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TweetError(f"tweet {tweet_id} has an unreadable 'created_at' "
                         f"({_short(value)})") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_page(posts: list[Observation], problems: list[str], *,
            checkpoint: tuple[str, dict[str, Any]] | None = None, read: int = 0) -> Page:
    """Parsed posts as a Page (``read`` defaults to the tweets X returned, bad ones included)."""
    return Page(posts, checkpoint, read=read or len(posts) + len(problems), bad=len(problems),
                problems=tuple(problems[:5]))

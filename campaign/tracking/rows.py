"""The rows the tracking store writes, built from observations at the driver's level: the hot
path of every collector and import, so values arrive ready for the statement (times through the
store's ``_moment``, JSON through orjson), with no per-value processing by SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson

from campaign.tracking.records import Author, Observation, PostKind

MAX_COUNT = 2**63 - 1  # a BIGINT; a hostile instance's count past it is kept as the largest
# the columns' lengths (models.py): PostgreSQL refuses a longer value, and one such value would
# fail its whole page at every run (a record key may be 512 characters, a DID 2,048). A post
# whose identity does not fit is skipped and counted as bad; a name or address is cut.
ID_LENGTH, AUTHOR_ID_LENGTH, NAME_LENGTH, URL_LENGTH = 500, 300, 300, 500


# one encoder for every value: json.dumps with options builds a new encoder at each call, which
# costs more than encoding a small list
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_orjson_dumps = orjson.dumps
# datetimes and dataclasses through default=str, as the json module writes them
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _dumps_raw(value: Any) -> str:
    """A raw record as JSON text, the same as :func:`_dumps` writes it: with orjson (several
    times faster on the large records archives hold), else -- a key that is no string, a lone
    surrogate, an integer past 64 bits -- with the json module."""
    try:
        return _orjson_dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return _dumps(value)


def _dumps_list(values: tuple[str, ...]) -> str:
    return _dumps(list(values)) if values else "[]"


def _keep(new: int | None, old: int | None) -> int | None:
    """A count read now, or the stored one when this source did not say it."""
    return old if new is None else new


POST_COLUMNS = ("network", "remote_id", "uri", "url", "author_ref", "author_handle", "created_at",
                "text", "language", "kind", "reply_to", "repost_of", "quote_of", "likes",
                "reposts", "replies", "quotes", "impressions", "metrics_at", "mentions", "links",
                "raw", "source", "first_seen_at")
AUTHOR_COLUMNS = ("network", "author_id", "handle", "display_name", "url", "followers",
                  "following", "posts", "read_at", "first_seen_at")
HISTORY_COLUMNS = ("author_ref", "read_at", "handle", "followers", "following", "posts")


def _post_row(post: Observation, author_ref: int, source: str, now: Any,
              moment: Callable[[datetime], Any]) -> tuple[Any, ...]:
    m = post.metrics
    reply_to = repost_of = quote_of = None
    for relation in post.relations:
        if relation.kind is PostKind.REPLY and reply_to is None:
            reply_to = relation.target_id
        elif relation.kind is PostKind.REPOST and repost_of is None:
            repost_of = relation.target_id
        elif relation.kind is PostKind.QUOTE and quote_of is None:
            quote_of = relation.target_id
    return (post.network, post.remote_id, post.uri, post.url[:URL_LENGTH], author_ref,
            post.author.handle[:NAME_LENGTH], moment(post.created_at), post.text,
            post.language[:16], post.kind.value, reply_to, repost_of, quote_of,
            _fit(m.get("likes")), _fit(m.get("reposts")), _fit(m.get("replies")),
            _fit(m.get("quotes")), _fit(m.get("impressions")), moment(post.read_at),
            _dumps_list(post.mentions), _dumps_list(post.links), _dumps_raw(post.raw), source, now)


def _metrics_update(post: Observation) -> dict[str, Any]:
    m = post.metrics
    return {"b_network": post.network, "b_id": post.remote_id, "metrics_at": post.read_at,
            "likes": _fit(m.get("likes")), "reposts": _fit(m.get("reposts")),
            "replies": _fit(m.get("replies")), "quotes": _fit(m.get("quotes")),
            "impressions": _fit(m.get("impressions"))}


def _author_row(author: Author, read_at: Any, now: Any) -> tuple[Any, ...]:
    return (author.network, author.author_id, author.handle[:NAME_LENGTH],
            author.display_name[:NAME_LENGTH], author.url[:URL_LENGTH], _fit(author.followers),
            _fit(author.following), _fit(author.posts), read_at, now)


def _history_row(author_ref: int, author: Author, read_at: datetime) -> tuple[Any, ...]:
    return (author_ref, read_at, author.handle[:NAME_LENGTH], _fit(author.followers),
            _fit(author.following), _fit(author.posts))


def _fit(count: int | None) -> int | None:
    """A count as a BIGINT column holds it."""
    return count if count is None or count <= MAX_COUNT else MAX_COUNT


def _storable(posts: Sequence[Observation]) -> tuple[Sequence[Observation], list[str]]:
    """The posts whose identity fits the columns, and a problem for each other one."""
    refused: list[str] = []
    kept: list[Observation] = []
    for post in posts:
        if len(post.remote_id) > ID_LENGTH or len(post.uri) > ID_LENGTH \
                or len(post.author.author_id) > AUTHOR_ID_LENGTH \
                or any(len(r.target_id) > ID_LENGTH for r in post.relations):
            refused.append(f"{post.network} post {post.remote_id[:80]!r}: its id, its author's "
                           "or a related post's is longer than the store keeps; skipped")
        else:
            kept.append(post)
    return (posts, refused) if not refused else (kept, refused)
